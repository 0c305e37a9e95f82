"""Chart specs (``reports.svg``) of the role views' figures, and drawing them in the
reader's language (numbers with the locale's grouping, dates in its short format)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import formats
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language_bidi
from django.utils.translation import gettext as _

from responsemap.analytics.reports import svg
from responsemap.analytics.roles.outside import OutsideFigures
from responsemap.analytics.roles.partner import PartnerFigures, figures_context


def number(n: int) -> str:
    return formats.number_format(n, use_l10n=True, force_grouping=True)


def words() -> svg.Words:
    return svg.Words(
        suppressed=_("held back"),
        no_data=_("no figures"),
        legend_suppressed=_("held back (too few to show)"),
    )


def draw(spec: dict[str, Any]) -> SafeString:
    """The chart as inline SVG; every text in it is escaped by ``svg``."""
    if spec.get("dates"):
        spec = {
            **spec,
            "labels": [
                formats.date_format(date.fromisoformat(label), "SHORT_DATE_FORMAT")
                for label in spec["labels"]
            ],
        }
    return mark_safe(svg.chart(spec, rtl=get_language_bidi(), number=number, words=words()))  # noqa: S308


def outside_charts(figures: OutsideFigures) -> dict[str, Any]:
    weeks = {
        "kind": "bar",
        "title": _("Records received per week"),
        "labels": [start.isoformat() for start, _n in figures.weeks],
        "series": [{"name": _("Records"), "values": [n for _s, n in figures.weeks]}],
        "dates": True,
    }
    tables = [
        {
            "kind": "bar",
            "title": table.title,
            "labels": [cell.label for cell in table.cells],
            "series": [{"name": _("Records"), "values": [c.records for c in table.cells]}],
            "links": [None for _c in table.cells],
        }
        for table in figures.tables
    ]
    return {
        "weeks_svg": draw(weeks),
        "table_pairs": [
            (table, draw(spec), [(cell.label, cell.records) for cell in table.cells])
            for table, spec in zip(figures.tables, tables, strict=True)
        ],
    }


def partner_charts(figures: PartnerFigures) -> dict[str, Any]:
    """The partner's week chart, and each table with its chart (none for an empty
    table) and its rows (``_chart_table.html``)."""
    specs = figures_context(figures)
    return {
        "weeks_svg": draw(specs["weeks_chart"]),
        "tables": [
            (
                table,
                draw(spec) if table.groups else None,
                [(group.label, group.records) for group in table.groups],
            )
            for table, spec in zip(figures.tables, specs["table_charts"], strict=True)
        ],
    }
