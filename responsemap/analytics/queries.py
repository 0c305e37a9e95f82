"""The read API of rollups: what the dashboards show, and what maps, the public page
and printed reports build on. Every function takes the viewer and returns plain
values (numbers, codes, words), never a model instance or a record.

Row rules (chokepoint 1, for aggregates):
- Nothing for a viewer without ``view_dashboards``.
- Protection-sensitive records are always in the totals (the volume, the day series,
  response times, the count of open cases). A viewer without ``view_sensitive`` never
  gets them broken down: in a breakdown they are one bar of their own
  (``SENSITIVE``), and any filter other than the dates leaves them out (a filter is a
  breakdown: "area X" would count area X's sensitive records).
- Counts come from ``Rollup`` cells; only "open urgent" and "overdue", which move
  with the clock, are counted on the records (two indexed counts).

Days are UTC days. ``Filters.until`` is inclusive.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Case, IntegerField, Q, QuerySet, Sum, Value, When
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from responsemap.analytics.models import BUCKETS, Rollup, RollupMargin, RollupPair, RollupState
from responsemap.analytics.rollups import ALL
from responsemap.geo.models import AdminArea
from responsemap.protection.viewer import Viewer
from responsemap.triage.choices import (
    AgeBand,
    Disability,
    Displacement,
    Gender,
    Sensitivity,
    Source,
    Status,
    Urgency,
)
from responsemap.triage.coding.framework import framework_for
from responsemap.triage.models import Feedback

# The bar that holds the protection-sensitive records of a breakdown for a viewer who
# may not see them broken down.
SENSITIVE = "__sensitive__"
NONE = ""  # no value (a record with no area)

# Filters the dashboard shares with the inbox (same names, same values).
SHARED_FILTERS = ("source", "type_code", "sector", "area", "status")
# What a breakdown may be by: the parameter name, the cell column, its title.
BREAKDOWNS: dict[str, tuple[str, Any]] = {
    "source": ("source", gettext_lazy("By channel")),
    "type_code": ("type_code", gettext_lazy("By type")),
    "sector": ("sector", gettext_lazy("By sector")),
    "area": ("area_id", gettext_lazy("By area")),
    "status": ("status", gettext_lazy("By status")),
    "gender": ("gender", gettext_lazy("By gender")),
    "age_band": ("age_band", gettext_lazy("By age group")),
    "disability": ("disability", gettext_lazy("By disability")),
    "displacement": ("displacement", gettext_lazy("By displacement")),
}
BUCKET_WORDS = (
    gettext_lazy("Within 1 hour"),
    gettext_lazy("1 to 4 hours"),
    gettext_lazy("4 to 24 hours"),
    gettext_lazy("1 to 3 days"),
    gettext_lazy("3 to 7 days"),
    gettext_lazy("7 to 30 days"),
    gettext_lazy("Over 30 days"),
)
CONCERN_KINDS = {
    "type_code": gettext_lazy("Type"),
    "sector": gettext_lazy("Sector"),
    "area": gettext_lazy("Area"),
}
CASES_CAP = 10_000
OPEN = ~Q(status__in=[Status.ANSWERED, Status.CLOSED])
# The same as SQL, as the partial indexes of ``analytics`` migration 0006 say it.
OPEN_SQL = f"status NOT IN ('{Status.ANSWERED.value}', '{Status.CLOSED.value}')"
URGENT = (Urgency.HIGH, Urgency.CRITICAL)


@dataclass(frozen=True)
class Filters:
    since: date
    until: date
    source: str = ""
    type_code: str = ""
    sector: str = ""
    area: int | None = None
    status: str = ""

    @property
    def narrowed(self) -> bool:
        """Whether any filter other than the dates is set."""
        return any(getattr(self, name) not in ("", None) for name in SHARED_FILTERS)

    def inbox_params(self) -> dict[str, str]:
        """The same filters as the inbox's query parameters."""
        params = {"since": self.since.isoformat(), "until": self.until.isoformat()}
        for name in SHARED_FILTERS:
            value = getattr(self, name)
            if value not in ("", None):
                params[name] = str(value)
        return params


@dataclass(frozen=True)
class Bar:
    value: str  # the code (area: its id as text; SENSITIVE; NONE)
    label: str  # in words
    records: int
    share: float  # of the breakdown's total, 0…1


@dataclass(frozen=True)
class Breakdown:
    name: str
    title: str
    bars: list[Bar]
    total: int


@dataclass(frozen=True)
class Totals:
    records: int = 0
    responded: int = 0
    response_minutes: int = 0
    closed: int = 0
    close_minutes: int = 0
    response_buckets: tuple[int, ...] = (0,) * BUCKETS
    close_buckets: tuple[int, ...] = (0,) * BUCKETS

    @property
    def mean_response_hours(self) -> float | None:
        return self.response_minutes / self.responded / 60 if self.responded else None

    @property
    def mean_close_hours(self) -> float | None:
        return self.close_minutes / self.closed / 60 if self.closed else None

    @property
    def responded_within_day(self) -> float | None:
        """Share of the records responded to that were within 24 hours."""
        return sum(self.response_buckets[:3]) / self.responded if self.responded else None


@dataclass(frozen=True)
class Concern:
    """A value whose last 7 days rose against its own 28 days before."""

    dimension: str
    value: str
    label: str  # "Type: Rumour / misinformation"
    recent: int  # records in the last 7 days
    baseline: int  # records in the 28 days before
    expected: float  # baseline / 4: what 7 days would hold at the baseline's rate
    z: float  # (recent - expected) / sqrt(expected): Poisson
    ratio: float | None  # recent / expected


@dataclass(frozen=True)
class OpenCases:
    open_urgent: int
    critical: int
    overdue: int


@dataclass
class Labels:
    """Codes to words for one project, loaded once per page."""

    project_id: Any
    language: str = ""
    _areas: dict[int, str] | None = field(default=None, repr=False)

    def area_names(self) -> dict[int, str]:
        if self._areas is None:
            self._areas = {
                pk: str(names.get(self.language) or name)
                for pk, name, names in AdminArea.objects.filter(
                    project_id=self.project_id
                ).values_list("pk", "name", "names")
            }
        return self._areas

    def of(self, name: str, value: str) -> str:
        if value == SENSITIVE:
            return _("Protection-sensitive (not broken down)")
        if name == "area":
            if value == NONE:
                return _("No area")
            return self.area_names().get(int(value), _("Area removed"))
        if name in ("type_code", "sector"):
            return framework_for(self.project_id).label(name, value)
        choices = {
            "source": Source,
            "status": Status,
            "gender": Gender,
            "age_band": AgeBand,
            "disability": Disability,
            "displacement": Displacement,
        }.get(name)
        if choices is not None:
            try:
                return str(choices(value).label)
            except ValueError:
                return value
        return value


def may_see_dashboard(viewer: Viewer) -> bool:
    return viewer.can("view_dashboards")


def may_see_staff_figures(viewer: Viewer) -> bool:
    """The staff dashboard, its charts and the map: figures by day and by square, fine
    breakdowns and small counts, for staff who may read the records themselves
    (``view_feedback``). A donor or government viewer (``view_dashboards`` alone) gets the
    summary, under disclosure control (``roles.outside``)."""
    return may_see_dashboard(viewer) and viewer.can("view_feedback")


def cells_for(viewer: Viewer, filters: Filters) -> QuerySet[Rollup]:
    """The cells the viewer's figures come from: the project's, in the dates, filtered
    (sensitive ones left out of a filtered view for a viewer who may not see them)."""
    if not may_see_dashboard(viewer):
        return Rollup.objects.none()
    rows = Rollup.objects.filter(
        project_id=viewer.project_id, day__gte=filters.since, day__lte=filters.until
    )
    if filters.narrowed and not viewer.can("view_sensitive"):
        rows = rows.filter(sensitivity=Sensitivity.NORMAL)
    for name in ("source", "type_code", "sector", "status"):
        value = getattr(filters, name)
        if value:
            rows = rows.filter(**{name: value})
    if filters.area is not None:
        rows = rows.filter(area_id=filters.area)
    return rows


COUNTERS = (
    "records",
    "responded",
    "response_minutes",
    "closed",
    "close_minutes",
    *(f"r{n}" for n in range(BUCKETS)),
    *(f"c{n}" for n in range(BUCKETS)),
)
MARGIN_NAMES = tuple(BREAKDOWNS)  # the margins' dimension names (rollups.MARGIN_NAMES)


@dataclass(frozen=True)
class Summary:
    """Every figure of the dashboard for one set of filters."""

    totals: Totals
    volume: list[tuple[date, int]]
    breakdowns: dict[str, Breakdown]


class _Tally:
    """Sums read rows into totals, a day series and every breakdown at once."""

    def __init__(self, split_sensitive: bool) -> None:
        self.split = split_sensitive
        self.counters = [0] * len(COUNTERS)
        self.days: dict[date, int] = {}
        self.bars: dict[str, dict[str, int]] = {name: {} for name in BREAKDOWNS}

    def whole(self, day: date, counters: tuple[int, ...]) -> None:
        self.days[day] = self.days.get(day, 0) + counters[0]
        for i, n in enumerate(counters):
            self.counters[i] += n

    def bar(self, name: str, value: object, sensitivity: str, records: int) -> None:
        if not self.split and sensitivity != Sensitivity.NORMAL:
            key = SENSITIVE
        else:
            key = NONE if value is None else str(value)
        counts = self.bars[name]
        counts[key] = counts.get(key, 0) + records

    def summary(self, filters: Filters, labels: Labels) -> Summary:
        got = dict(zip(COUNTERS, self.counters, strict=True))
        totals = Totals(
            records=got["records"],
            responded=got["responded"],
            response_minutes=got["response_minutes"],
            closed=got["closed"],
            close_minutes=got["close_minutes"],
            response_buckets=tuple(got[f"r{n}"] for n in range(BUCKETS)),
            close_buckets=tuple(got[f"c{n}"] for n in range(BUCKETS)),
        )
        volume = []
        day = filters.since
        while day <= filters.until:
            volume.append((day, self.days.get(day, 0)))
            day += timedelta(days=1)
        breakdowns = {}
        for name, counts in self.bars.items():
            total = sum(counts.values())
            ordered = sorted(counts.items(), key=lambda kv: (kv[0] == SENSITIVE, -kv[1], kv[0]))
            bars = [
                Bar(value, labels.of(name, value), n, n / total if total else 0.0)
                for value, n in ordered
            ]
            breakdowns[name] = Breakdown(name, str(BREAKDOWNS[name][1]), bars, total)
        return Summary(totals, volume, breakdowns)


def summarise(viewer: Viewer, filters: Filters, labels: Labels | None = None) -> Summary:
    """Totals, records per day and every breakdown for the viewer and filters. Dates
    only: two queries on the margins (a few hundred rows a day). With a filter: ten
    queries summing the matching cells in SQL."""
    labels = labels or Labels(viewer.project_id)
    tally = _Tally(split_sensitive=viewer.can("view_sensitive"))
    if not may_see_dashboard(viewer):
        return tally.summary(filters, labels)
    if filters.narrowed:
        weeks = coarse_weeks(viewer.project_id, filters)
        single = single_filter(filters)
        if weeks is None or single is None:
            _sum_cells(cells_for(viewer, filters), tally)
        else:
            _sum_coarse(viewer, filters, single, weeks, tally)
        return tally.summary(filters, labels)
    margins = RollupMargin.objects.filter(
        project_id=viewer.project_id, day__gte=filters.since, day__lte=filters.until
    )
    for day, *counters in (
        margins.filter(dimension=ALL)
        .values("day")
        .annotate(**{name: Sum(name) for name in COUNTERS})
        .order_by()
        .values_list("day", *COUNTERS)
    ):
        tally.whole(day, tuple(int(n or 0) for n in counters))
    for name, value, sensitivity, records in (
        margins.exclude(dimension=ALL)
        .values("dimension", "value", "sensitivity")
        .annotate(n=Sum("records"))
        .order_by()
        .values_list("dimension", "value", "sensitivity", "n")
    ):
        if name in tally.bars:
            tally.bar(name, value or None, sensitivity, int(records or 0))
    return tally.summary(filters, labels)


DAY = "__day__"  # the kind of the rows of ``_sum_cells`` that carry a day's counters


def single_filter(filters: Filters) -> tuple[str, str] | None:
    """The one filter set other than the dates, as the margins and pairs name it and
    its value as text (an area by its id); None for none or several."""
    found = [
        ("area" if name == "area" else name, str(value))
        for name in SHARED_FILTERS
        if (value := getattr(filters, name)) not in ("", None)
    ]
    return found[0] if len(found) == 1 else None


def coarse_weeks(project_id: Any, filters: Filters) -> tuple[date, date] | None:
    """The whole weeks (Monday to Sunday) within the dates, as (first Monday, the
    Monday after the last), if there is at least one and the project's coarse rollups
    are built (ADR 0012: ``RollupPair``, ``MapCoarseCell``); else None."""
    first = filters.since + timedelta(days=(7 - filters.since.weekday()) % 7)
    end = filters.until + timedelta(days=1)
    end -= timedelta(days=end.weekday())
    if end <= first:
        return None
    built = RollupState.objects.filter(project_id=project_id, rebuilt_at__isnull=False).exists()
    return (first, end) if built else None


def _sum_coarse(
    viewer: Viewer,
    filters: Filters,
    single: tuple[str, str],
    weeks: tuple[date, date],
    tally: _Tally,
) -> None:
    """One filter over whole weeks (ADR 0012): the day series, the counters and the
    filter's own bar from that filter's margins (a row per day and sensitivity); the
    other breakdowns from the weeks' pairs, and from the matching cells of the days
    before the first whole week and after the last."""
    name, value = single
    sensitive = viewer.can("view_sensitive")
    margins = RollupMargin.objects.filter(
        project_id=viewer.project_id,
        dimension=name,
        value=value,
        day__gte=filters.since,
        day__lte=filters.until,
    )
    pairs = RollupPair.objects.filter(
        project_id=viewer.project_id,
        dimension=name,
        value=value,
        week__gte=weeks[0],
        week__lt=weeks[1],
    )
    if not sensitive:
        margins = margins.filter(sensitivity=Sensitivity.NORMAL)
        pairs = pairs.filter(sensitivity=Sensitivity.NORMAL)
    for day, sensitivity, *counters in margins.order_by().values_list(
        "day", "sensitivity", *COUNTERS
    ):
        numbers = tuple(int(n or 0) for n in counters)
        tally.whole(day, numbers)
        tally.bar(name, value or None, sensitivity, numbers[0])
    for breakdown, bar, sensitivity, records in (
        pairs.values("breakdown", "bar", "sensitivity")
        .annotate(n=Sum("records"))
        .order_by()
        .values_list("breakdown", "bar", "sensitivity", "n")
    ):
        if breakdown in tally.bars:
            tally.bar(breakdown, bar or None, sensitivity, int(records or 0))
    for edge in edges_of(filters, weeks):
        _sum_cells(cells_for(viewer, edge), tally, days=False, skip=name)


def edges_of(filters: Filters, weeks: tuple[date, date]) -> list[Filters]:
    """The filters of the days before the first whole week and after the last (none,
    one or two spans): each read on its own, so that each is an indexed range of days
    (a "not within the weeks" condition is not, on SQLite)."""
    first, end = weeks
    spans = [(filters.since, first - timedelta(days=1)), (end, filters.until)]
    return [replace(filters, since=a, until=b) for a, b in spans if a <= b]


def _sum_cells(
    cells: QuerySet[Rollup], tally: _Tally, *, days: bool = True, skip: str = ""
) -> None:
    """Sum the matching cells in SQL, in one statement that reads them once (a
    materialised common table expression): a row per day with every counter (unless
    not ``days``), and a row per (breakdown, value, sensitivity) with its records
    (but the breakdown ``skip``). A broad filter matches many cells: they are never
    read into Python."""
    columns = ("day", *(column for column, _title in BREAKDOWNS.values()), "sensitivity")
    inner, params = cells.values_list(*columns, *COUNTERS).query.sql_with_params()
    quote = connection.ops.quote_name
    day_sums = ", ".join(f"SUM({quote(name)})" for name in COUNTERS)
    zeros = ", ".join(["0"] * (len(COUNTERS) - 1))
    parts = []
    if days:
        parts.append(
            f"SELECT '{DAY}', CAST({quote('day')} AS TEXT), '', {day_sums} "  # noqa: S608
            f"FROM m GROUP BY {quote('day')}"
        )
    for name, (column, _title) in BREAKDOWNS.items():
        if name == skip:
            continue
        parts.append(
            f"SELECT '{name}', CAST({quote(column)} AS TEXT), {quote('sensitivity')}, "  # noqa: S608
            f"SUM({quote('records')}), {zeros} FROM m "
            f"GROUP BY {quote(column)}, {quote('sensitivity')}"
        )
    sql = f"WITH m AS MATERIALIZED ({inner}) {' UNION ALL '.join(parts)}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for kind, value, sensitivity, *counters in rows:
        if kind == DAY:
            tally.whole(date.fromisoformat(value), tuple(int(n or 0) for n in counters))
        else:
            tally.bar(kind, value, sensitivity, int(counters[0] or 0))


def totals(viewer: Viewer, filters: Filters) -> Totals:
    return summarise(viewer, filters).totals


def volume_by_day(viewer: Viewer, filters: Filters) -> list[tuple[date, int]]:
    """Records per day, every day of the dates (0 where none)."""
    return summarise(viewer, filters).volume


def breakdown(
    viewer: Viewer, filters: Filters, name: str, labels: Labels | None = None
) -> Breakdown:
    """Records by one dimension (``BREAKDOWNS``), most first; for a viewer without
    ``view_sensitive`` the sensitive records are one bar of their own. (One call reads
    every breakdown: ``summarise`` when more than one is wanted.)"""
    return summarise(viewer, filters, labels).breakdowns[name]


def emerging_concerns(
    viewer: Viewer,
    today: date,
    names: tuple[str, ...] = ("type_code", "sector", "area"),
    labels: Labels | None = None,
    *,
    min_recent: int = 5,
    min_z: float = 3.0,
) -> list[Concern]:
    """Values whose last 7 days (``today`` included) rose against the 28 days before:
    at least ``min_recent`` records, at least 1.5 times the baseline's weekly rate, and
    a Poisson z-score of at least ``min_z`` (the baseline's weekly rate taken as at
    least 1, so a value new this week needs ``min_z`` + 1 records or so). Highest z first.
    Sensitive records are left out for a viewer who may not see them broken down."""
    labels = labels or Labels(viewer.project_id)
    found: list[Concern] = []
    if not may_see_dashboard(viewer):
        return found
    recent_from = today - timedelta(days=6)
    rows = RollupMargin.objects.filter(
        project_id=viewer.project_id,
        day__gte=today - timedelta(days=34),
        day__lte=today,
        dimension__in=names,
    )
    if not viewer.can("view_sensitive"):
        rows = rows.filter(sensitivity=Sensitivity.NORMAL)
    recent_sum = Sum(
        Case(When(day__gte=recent_from, then="records"), default=Value(0)),
        output_field=IntegerField(),
    )
    base_sum = Sum(
        Case(When(day__lt=recent_from, then="records"), default=Value(0)),
        output_field=IntegerField(),
    )
    grouped = (
        rows.values("dimension", "value")
        .annotate(recent=recent_sum, base=base_sum)
        .order_by()
        .values_list("dimension", "value", "recent", "base")
    )
    for name, code, recent, base in grouped:
        if code == NONE:
            continue
        recent, base = int(recent or 0), int(base or 0)
        expected = base / 4
        z = (recent - expected) / math.sqrt(max(expected, 1.0))
        if recent >= min_recent and z >= min_z and recent >= 1.5 * expected:
            found.append(
                Concern(
                    name,
                    code,
                    _("%(kind)s: %(value)s")
                    % {"kind": CONCERN_KINDS[name], "value": labels.of(name, code)},
                    recent,
                    base,
                    expected,
                    z,
                    recent / expected if expected else None,
                )
            )
    return sorted(found, key=lambda c: -c.z)


def open_cases(viewer: Viewer, now: datetime) -> OpenCases:
    """Open urgent (high or critical) and overdue records, sensitive ones included (a
    count, as in the totals): two indexed counts on the records, as they change
    with the clock."""
    if not may_see_dashboard(viewer):
        return OpenCases(0, 0, 0)
    # No ordering: the records' default order (newest first) would make each capped
    # count sort its matches before counting them. "Open" in the words of the partial
    # indexes of migration 0006 (a literal: SQLite uses a partial index only for a
    # condition it can match without bound values).
    rows = (
        Feedback.objects.filter(project_id=viewer.project_id)
        .extra(where=[OPEN_SQL])  # noqa: S610 (a constant, no input)
        .order_by()
    )
    # Capped counts (as the inbox's): past ``CASES_CAP`` the page says "10,000 or more"
    # rather than count every open record of a large project on each refresh.
    urgent = rows.filter(urgency__in=URGENT)
    open_urgent = urgent[:CASES_CAP].count()
    critical = urgent.filter(urgency=Urgency.CRITICAL)[:CASES_CAP].count()
    overdue = rows.filter(due_at__isnull=False, due_at__lt=now)[:CASES_CAP].count()
    return OpenCases(open_urgent=open_urgent, critical=critical, overdue=overdue)
