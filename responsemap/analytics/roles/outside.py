"""What a donor or a government counterpart sees (role ``donor``, "Donor / government
viewer": ``view_dashboards`` alone): the project's key figures and breakdowns over a
period, never finer than the public page.

- The figures are those of ``analytics.protected``: each calendar month of the period
  protected once, for every page shown outside the project (this one, the printable
  report, the public page, a donor's row of "all my projects"), so no page can be
  differenced against another (ADR 0010). The period is widened to whole months; a
  figure over several months, or a week across two, is the sum of the months' published
  cells, held back if any of them is.
- Protection-sensitive records are a total and nothing more: one group in each
  breakdown, whatever the viewer's own permissions (a manager previewing this page sees
  what the donor sees).
- Areas no finer than the second administrative level: a deeper area counts in its
  level-2 ancestor.
- Small counts suppressed with ``protection.disclosure`` (primary below the public
  page's thresholds, 5 and 10 by default, and secondary suppression so no suppressed
  count can be worked out from the totals, the other groups or the other pages).
- Dates only (no other filter: a filter is a breakdown), from the margins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from responsemap.analytics import queries
from responsemap.analytics.protected.months import (
    GENERAL,
    NO_AREA,
    RESPONDED,
    TOTAL_ALL,
    TOTAL_PROTECTION,
    MonthFigures,
    key,
    monday_of,
    month_end,
    months_between,
    period_sum,
    protected_months,
)
from responsemap.analytics.queries import SENSITIVE, Filters, Labels
from responsemap.protection.viewer import Viewer

# The breakdowns shown, in the page's order.
OUTSIDE_BREAKDOWNS = ("source", "type_code", "sector", "area", "status", "gender", "age_band")
DEEPEST_LEVEL = 2


@dataclass(frozen=True)
class Cell:
    value: str  # the code (SENSITIVE for the protection group)
    label: str
    records: int | None  # None: suppressed


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    cells: list[Cell]


@dataclass(frozen=True)
class OutsideFigures:
    filters: Filters
    records: int | None
    responded: int | None
    within_day: float | None  # share responded to within a day (None: too few)
    mean_response_hours: float | None
    sensitive: int | None  # the protection group's total
    weeks: list[tuple[date, int | None]]
    tables: list[Table]
    areas: dict[int, int | None]  # level ≤ 2 area id → records (for the map)
    suppressed: int  # how many cells were held back


def outside_period(since: date, until: date, today: date) -> tuple[date, date, list[date]]:
    """The period widened to whole calendar months (up to today): its first and last
    day and its months."""
    months = months_between(since, until)
    last = min(month_end(months[-1]) - timedelta(days=1), max(until, today))
    return months[0], last, months


def outside_figures(
    viewer: Viewer, filters: Filters, labels: Labels, today: date | None = None
) -> OutsideFigures | None:
    """The donor's figures for the months of ``filters``'s dates (its other filters
    ignored); None for a viewer without ``view_dashboards``."""
    if not queries.may_see_dashboard(viewer):
        return None
    since, until, months = outside_period(filters.since, filters.until, today or filters.until)
    filters = Filters(since=since, until=until)
    found = protected_months(viewer.project_id, months)  # type: ignore[arg-type]
    sensitive = period_sum(found, [TOTAL_PROTECTION])
    tables = []
    for name in OUTSIDE_BREAKDOWNS:
        codes = sorted({c for month in found for c in month.categories(GENERAL, name)})
        cells = [(code, period_sum(found, [key(GENERAL, name, code)])) for code in codes]
        # Published zeros are left out (nobody wrote in with that code); held-back
        # ones stay. The protection group is always there, 0 included: an absent
        # group would say "none" where a held-back one says "fewer than 10".
        shown = [(c, n) for c, n in cells if n != 0]
        shown.sort(key=lambda cn: (cn[1] is None, -(cn[1] or 0), cn[0]))
        tables.append(
            Table(
                name,
                str(queries.BREAKDOWNS[name][1]),
                [
                    *(Cell(_code(c), labels.of(name, _code(c)), n) for c, n in shown),
                    Cell(SENSITIVE, labels.of(name, SENSITIVE), sensitive),
                ],
            )
        )
    responded = period_sum(found, [RESPONDED])
    stats = [month.stats for month in found]
    raw_responded = sum(s.get("responded", 0) for s in stats)
    weeks = _weeks(found, since, until)
    areas = {
        int(c): period_sum(found, [key(GENERAL, "area", c)])
        for c in {c for month in found for c in month.categories(GENERAL, "area")}
        if c != NO_AREA
    }
    shown_values = [cell.records for table in tables for cell in table.cells]
    return OutsideFigures(
        filters=filters,
        records=period_sum(found, [TOTAL_ALL]),
        responded=responded,
        within_day=(
            sum(s.get("within_day", 0) for s in stats) / raw_responded
            if responded and raw_responded
            else None
        ),
        mean_response_hours=(
            sum(s.get("minutes", 0) for s in stats) / raw_responded / 60
            if responded and raw_responded
            else None
        ),
        sensitive=sensitive,
        weeks=weeks,
        tables=tables,
        areas=areas,
        suppressed=sum(1 for v in shown_values if v is None),
    )


def _code(category: str) -> str:
    """The dashboards' code of a protected cell's category (no area: "")."""
    return queries.NONE if category == NO_AREA else category


def _weeks(found: list[MonthFigures], since: date, until: date) -> list[tuple[date, int | None]]:
    """Records per week (Monday to Sunday; the first one labelled from the period's
    start): the sum of the week's parts in each month, held back if any part is."""
    weeks = []
    monday = monday_of(since)
    while monday <= until:
        cell = key("week", "records", monday.isoformat())
        parts = [m for m in found if cell in m.cells]
        weeks.append((max(monday, since), period_sum(parts, [cell])))
        monday += timedelta(days=7)
    return weeks
