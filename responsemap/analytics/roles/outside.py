"""What a donor or a government counterpart sees (role ``donor``, "Donor / government
viewer": ``view_dashboards`` alone): the project's key figures and breakdowns over a
period, never finer than the public page.

- Protection-sensitive records are a total and nothing more: one group in each
  breakdown, whatever the viewer's own permissions (a manager previewing this page sees
  what the donor sees).
- Areas no finer than the second administrative level: a deeper area counts in its
  level-2 ancestor.
- Small counts suppressed with ``protection.disclosure`` (primary below 5, the
  protection group below 10, and secondary suppression so no suppressed count can be
  worked out from the totals and the other groups), over every table of the page at
  once: they all sum to the same total.
- Dates only (no other filter: a filter is a breakdown), from the margins.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from responsemap.analytics import queries
from responsemap.analytics.queries import SENSITIVE, Filters, Labels
from responsemap.geo.models import AdminArea
from responsemap.protection import disclosure
from responsemap.protection.viewer import Viewer

# The breakdowns shown, in the page's order.
OUTSIDE_BREAKDOWNS = ("source", "type_code", "sector", "area", "status", "gender", "age_band")
DEEPEST_LEVEL = 2
TOTAL = ("total", "records")


def outside_viewer(viewer: Viewer) -> Viewer:
    """The viewer as a donor: whatever they may do elsewhere, the sensitive records
    are never broken down here."""
    return replace(viewer, permissions=viewer.permissions - {"view_sensitive"})


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


def level_two_of(project_id: Any) -> dict[int, int]:
    """Each area's id → its ancestor at level 2 or above (itself if not deeper)."""
    rows = {
        pk: (level, parent)
        for pk, level, parent in AdminArea.objects.filter(project_id=project_id).values_list(
            "pk", "level", "parent_id"
        )
    }
    up: dict[int, int] = {}
    for pk in rows:
        at = pk
        for _step in range(10):  # levels are few; a broken chain stops here
            level, parent = rows[at]
            if level <= DEEPEST_LEVEL or parent is None or parent not in rows:
                break
            at = parent
        up[pk] = at
    return up


def _weeks(volume: list[tuple[date, int]]) -> list[tuple[date, int]]:
    """Records per week (Monday to Sunday, the first week from the period's start)."""
    weeks: dict[date, int] = {}
    for day, n in volume:
        start = max(volume[0][0], day - timedelta(days=day.weekday()))
        weeks[start] = weeks.get(start, 0) + n
    return sorted(weeks.items())


def outside_figures(viewer: Viewer, filters: Filters, labels: Labels) -> OutsideFigures | None:
    """The donor's figures for the dates of ``filters`` (its other filters ignored);
    None for a viewer without ``view_dashboards``."""
    if not queries.may_see_dashboard(viewer):
        return None
    filters = Filters(since=filters.since, until=filters.until)
    summary = queries.summarise(outside_viewer(viewer), filters, labels)
    totals = summary.totals
    up = level_two_of(viewer.project_id)
    counts: dict[str, dict[str, int]] = {}
    for name in OUTSIDE_BREAKDOWNS:
        table: dict[str, int] = {}
        for bar in summary.breakdowns[name].bars:
            value = bar.value
            if name == "area" and value not in (SENSITIVE, queries.NONE):
                value = str(up.get(int(value), int(value)))
            table[value] = table.get(value, 0) + bar.records
        # Always there, 0 included: an absent group would say "none" where a
        # suppressed one says "fewer than 10" (``disclosure``: sensitive zeros).
        table.setdefault(SENSITIVE, 0)
        counts[name] = table
    weeks = _weeks(summary.volume) if summary.volume else []
    values: dict[Any, int] = {TOTAL: totals.records, ("total", "responded"): totals.responded}
    sums = []
    sensitive_keys: set[Any] = set()
    for name, table in counts.items():
        keys = []
        for value, n in table.items():
            values[(name, value)] = n
            keys.append((name, value))
            if value == SENSITIVE:
                sensitive_keys.add((name, value))
        if keys:
            sums.append(disclosure.Sum(TOTAL, tuple(keys)))
    week_keys = []
    for start, n in weeks:
        values[("week", start)] = n
        week_keys.append(("week", start))
    if week_keys:
        sums.append(disclosure.Sum(TOTAL, tuple(week_keys)))
    problem = disclosure.Problem(values, sums, frozenset(sensitive_keys))
    shown = disclosure.protect(problem).published()
    responded = shown[("total", "responded")]
    tables = [
        Table(
            name,
            str(queries.BREAKDOWNS[name][1]),
            [
                Cell(
                    value,
                    labels.of(name, value),
                    shown[(name, value)],
                )
                for value, _n in sorted(
                    table.items(), key=lambda kv: (kv[0] == SENSITIVE, -kv[1], kv[0])
                )
            ],
        )
        for name, table in counts.items()
    ]
    # The protection group's total, shown only if no table held it back.
    sensitive_shown = [shown[key] for key in sensitive_keys]
    sensitive = None if None in sensitive_shown else sensitive_shown[0]
    return OutsideFigures(
        filters=filters,
        records=shown[TOTAL],
        responded=responded,
        within_day=totals.responded_within_day if responded is not None else None,
        mean_response_hours=totals.mean_response_hours if responded is not None else None,
        sensitive=sensitive,
        weeks=[(start, shown[("week", start)]) for start, _n in weeks],
        tables=tables,
        areas={
            int(value): shown[("area", value)]
            for value in counts["area"]
            if value not in (SENSITIVE, queries.NONE)
        },
        suppressed=sum(1 for v in shown.values() if v is None),
    )
