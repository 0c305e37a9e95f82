"""One protection for every figure shown outside the project: a project × calendar
month's counts, protected once, that the public page, the donor's and government
counterpart's summary, the printable report and a donor's row of the organisation
view all read (ADR 0010).

Why one: each page protected on its own hides its own cells, and a cell hidden on one
page may then be worked out from another that shows the same counts differently (the
summary's month total minus the public page's general total is the protection total;
a type hidden on the summary but shown on the public page gives away its neighbour).
So the month's cells are the union of what any outside page shows of it:

- totals: every record (``all||``), the general records (``general||``), the
  protection-sensitive ones (``protection||``), records responded to (``responded||``);
- the general records by type, sector, gender, age group, channel, status and area at
  level 2 (``general|<dimension>|<code>``), and at level 1 too when the public page
  counts areas at level 1 (``general|area1|<id>``, each the sum of its districts);
- the protection records by area at the public page's level (``protection|area|<id>``);
- the month's days by week (Monday to Sunday, the part inside the month), records and
  records responded to (``week|records|<monday>``, ``week|responded|<monday>``);

with every sum between them (each table sums to its family's total, the families to
``all||``, the weeks to ``all||`` and ``responded||``, the districts to their region),
protected as one ``disclosure.Problem`` under the public page's thresholds (the
defaults when the project has no page). A page shows a published cell, or a sum of
published cells (a period of several months, a week across two months); a sum with a
suppressed cell in it is held back. So everything shown outside is a function of the
published cells, which the attack has checked together: no combination of pages
narrows a hidden cell more than the month's own tables do, and months share no sum.

Cached: the protected month is kept in ``ProtectedMonth`` under a hash of its inputs
(the month's counts, the areas' hierarchy, the thresholds); a read computes the inputs
(two queries on the rollups' margins for all the months asked) and solves the problem
again only when the hash moved, i.e. when the rollups of that month changed. The
public page's release freezes the month: from then on every outside page reads the
released figures and the month is never computed again (a second version would give
its difference away).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum as DbSum
from django.db.models.functions import TruncMonth

from responsemap.analytics.models import RollupMargin
from responsemap.analytics.protected.models import ProtectedMonth
from responsemap.analytics.public.models import PublicPage
from responsemap.analytics.rollups import ALL
from responsemap.geo.models import AdminArea
from responsemap.lib import clock
from responsemap.protection.disclosure import Problem, Rules, Sum, protect
from responsemap.triage.choices import Sensitivity

OUTSIDE = "outside"
GENERAL = "general"
PROTECTION = "protection"
NO_AREA = "none"
TOTAL_ALL = "all||"
TOTAL_GENERAL = "general||"
TOTAL_PROTECTION = "protection||"
RESPONDED = "responded||"
# The general records' tables: the rollups' margin dimension of each.
GENERAL_DIMENSIONS = ("type_code", "sector", "gender", "age_band", "source", "status", "area")
# Tables listing every category, zeros included (areas: the map needs them all).
ZEROS_LISTED = ("area", "area1")
WITHIN_DAY_BUCKETS = ("r0", "r1", "r2")


def key(family: str, table: str = "", category: str = "") -> str:
    return f"{family}|{table}|{category}"


def month_end(month: date) -> date:
    """The first day of the next month."""
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def months_between(since: date, until: date) -> list[date]:
    """The calendar months that ``since`` … ``until`` touch, first days."""
    months = []
    month = date(since.year, since.month, 1)
    while month <= until:
        months.append(month)
        month = month_end(month)
    return months


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Settings:
    """The thresholds and the public page's area level a month is protected under."""

    threshold: int = 5
    sensitive_threshold: int = 10
    area_level: int = 1

    @property
    def rules(self) -> Rules:
        return Rules(self.threshold, self.sensitive_threshold)


@dataclass(frozen=True)
class MonthFigures:
    """A protected month: ``cells`` (None where suppressed) and response-time sums."""

    month: date
    cells: dict[str, int | None]
    stats: dict[str, Any]
    frozen: bool

    def get(self, cell: str) -> int | None:
        """A cell's published value; 0 for a category absent from the month (nobody
        wrote in with it: an ordinary zero)."""
        return self.cells.get(cell, 0)

    def categories(self, family: str, table: str) -> list[str]:
        prefix = key(family, table)
        return [k[len(prefix) :] for k in self.cells if k.startswith(prefix)]


AreaRows = dict[int, tuple[int, int | None]]


def area_rows(project_id: uuid.UUID) -> AreaRows:
    """Each area's id -> (level, parent id): one query."""
    return {
        pk: (area_level, parent_id)
        for pk, area_level, parent_id in AdminArea.objects.filter(project_id=project_id)
        .values_list("pk", "level", "parent_id")
        .iterator()
    }


def area_mapper(rows: AreaRows, level: int) -> tuple[dict[str, str], list[str]]:
    """Area id (text) -> the id of its ancestor at ``level`` (itself if shallower),
    and every area at ``level``."""
    mapped: dict[str, str] = {}
    for pk in rows:
        current = pk
        for _step in range(10):  # levels are few; a broken chain stops here
            at_level, parent = rows[current]
            if at_level <= level or parent is None or parent not in rows:
                break
            current = parent
        mapped[str(pk)] = str(current)
    listed = sorted(str(pk) for pk, (lvl, _parent) in rows.items() if lvl == level)
    return mapped, listed


@dataclass
class _Counts:
    """A month's counts read from the margins."""

    # family -> dimension -> code -> records
    by_code: dict[str, dict[str, dict[str, int]]] = field(
        default_factory=lambda: {
            GENERAL: defaultdict(lambda: defaultdict(int)),
            PROTECTION: defaultdict(lambda: defaultdict(int)),
        }
    )
    # (day, family, records, responded, minutes, within a day)
    days: list[tuple[date, str, int, int, int, int]] = field(default_factory=list)


def _read_counts(project_id: uuid.UUID, months: list[date]) -> dict[date, _Counts]:
    """The months' counts: two queries on the rollups' margins, whatever their number."""
    found = {month: _Counts() for month in months}
    margins = RollupMargin.objects.filter(
        project_id=project_id, day__gte=min(months), day__lt=month_end(max(months))
    )
    for month, dimension, value, sensitivity, records in (
        margins.filter(dimension__in=GENERAL_DIMENSIONS)
        .annotate(month=TruncMonth("day"))
        .values_list("month", "dimension", "value", "sensitivity")
        .annotate(n=DbSum("records"))
        .order_by()
    ):
        counts = found.get(month if isinstance(month, date) else month.date())
        if counts is not None:
            family = GENERAL if sensitivity == Sensitivity.NORMAL else PROTECTION
            counts.by_code[family][dimension][value or ""] += int(records or 0)
    for day, sensitivity, records, responded, minutes, *within in (
        margins.filter(dimension=ALL)
        .values_list("day", "sensitivity")
        .annotate(
            records=DbSum("records"),
            responded=DbSum("responded"),
            minutes=DbSum("response_minutes"),
            **{b: DbSum(b) for b in WITHIN_DAY_BUCKETS},
        )
        .order_by()
    ):
        counts = found.get(day.replace(day=1))
        if counts is not None:
            family = GENERAL if sensitivity == Sensitivity.NORMAL else PROTECTION
            counts.days.append(
                (
                    day,
                    family,
                    int(records or 0),
                    int(responded or 0),
                    int(minutes or 0),
                    sum(int(n or 0) for n in within),
                )
            )
    return found


def _inputs(
    month: date, settings: Settings, areas: AreaRows, read: _Counts
) -> tuple[Problem, dict[str, Any]]:
    """The month's cells and sums, and the raw response sums."""
    end = month_end(month)
    counts = read.by_code
    values: dict[Hashable, int] = {}
    weeks: dict[str, list[int]] = {}  # monday -> records, responded, minutes, within a day
    totals = {GENERAL: 0, PROTECTION: 0}
    for day, family, records, responded, minutes, within in read.days:
        totals[family] += records
        week = weeks.setdefault(monday_of(day).isoformat(), [0, 0, 0, 0])
        week[0] += records
        week[1] += responded
        week[2] += minutes
        week[3] += within
    start = monday_of(month)
    while start < end:
        weeks.setdefault(start.isoformat(), [0, 0, 0, 0])
        start += timedelta(days=7)
    sums: list[Sum] = []

    def table(total: str, family: str, name: str, found: dict[str, int]) -> list[str]:
        keys = []
        for category, n in sorted(found.items()):
            if n or name in ZEROS_LISTED:
                values[key(family, name, category)] = n
                keys.append(key(family, name, category))
        sums.append(Sum(total, tuple(keys)))
        return keys

    values[TOTAL_ALL] = totals[GENERAL] + totals[PROTECTION]
    values[TOTAL_GENERAL] = totals[GENERAL]
    values[TOTAL_PROTECTION] = totals[PROTECTION]
    sums.append(Sum(TOTAL_ALL, (TOTAL_GENERAL, TOTAL_PROTECTION)))
    for dimension in GENERAL_DIMENSIONS:
        if dimension != "area":
            table(TOTAL_GENERAL, GENERAL, dimension, counts[GENERAL][dimension])
    districts = _areas(counts[GENERAL]["area"], *area_mapper(areas, 2))
    table(TOTAL_GENERAL, GENERAL, "area", districts)
    if settings.area_level == 1:
        up, regions = area_mapper(areas, 1)
        table(TOTAL_GENERAL, GENERAL, "area1", _areas(districts, up, regions))
        for region in [*regions, NO_AREA]:
            children = [d for d in districts if up.get(d, NO_AREA) == region]
            if key(GENERAL, "area1", region) in values:
                sums.append(
                    Sum(
                        key(GENERAL, "area1", region),
                        tuple(key(GENERAL, "area", d) for d in children),
                    )
                )
    protection_level = min(settings.area_level, 2)
    table(
        TOTAL_PROTECTION,
        PROTECTION,
        "area",
        _areas(counts[PROTECTION]["area"], *area_mapper(areas, protection_level)),
    )
    values[RESPONDED] = sum(w[1] for w in weeks.values())
    week_keys = sorted(weeks)
    for n, name in ((0, "records"), (1, "responded")):
        for monday in week_keys:
            values[key("week", name, monday)] = weeks[monday][n]
    sums.append(Sum(TOTAL_ALL, tuple(key("week", "records", m) for m in week_keys)))
    sums.append(Sum(RESPONDED, tuple(key("week", "responded", m) for m in week_keys)))
    sensitive = frozenset(k for k in values if str(k).startswith(PROTECTION + "|"))
    stats = {
        "responded": values[RESPONDED],
        "minutes": sum(w[2] for w in weeks.values()),
        "within_day": sum(w[3] for w in weeks.values()),
        "week_minutes": {m: weeks[m][2] for m in week_keys},
    }
    # Hiding every record's total costs the least: the general total carries the
    # public page's tables, and all of them would need another cell hidden.
    return Problem(values, sums, sensitive, prefer=frozenset({TOTAL_ALL})), stats


def _areas(found: dict[str, int], up: dict[str, str], listed: list[str]) -> dict[str, int]:
    """Counts by area id moved up a level (``up``; every area of ``listed``, zeros
    too; records without an area under ``NO_AREA``, listed only when there are some)."""
    areas: dict[str, int] = dict.fromkeys(listed, 0)
    for value, count in found.items():
        at = up.get(value, NO_AREA) if value and value != NO_AREA else NO_AREA
        areas[at] = areas.get(at, 0) + count
    if not areas.get(NO_AREA) and len(areas) > 1:
        areas.pop(NO_AREA, None)
    # Kept at 0 when it is the only row: a table without rows would say its total is
    # 0 (a project without areas; a protection zero must not show).
    if not areas:
        areas[NO_AREA] = 0
    return areas


def _fingerprint(problem: Problem, stats: dict[str, Any], settings: Settings) -> str:
    text = json.dumps(
        [
            [settings.threshold, settings.sensitive_threshold, settings.area_level],
            sorted((str(k), v) for k, v in problem.values.items()),
            [[s.total, list(s.parts)] for s in problem.sums],
            sorted(str(k) for k in problem.sensitive),
            stats,
        ],
        separators=(",", ":"),
        sort_keys=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def settings_of(project_id: uuid.UUID) -> Settings:
    """The public page's thresholds and area level (the defaults without a page, and
    no level-1 table: the donors' pages show districts only)."""
    page = PublicPage.objects.filter(project_id=project_id).first()
    if page is None:
        return Settings(area_level=2)
    return Settings(page.threshold, page.sensitive_threshold, page.area_level)


def protected_months(
    project_id: uuid.UUID, months: Iterable[date], settings: Settings | None = None
) -> list[MonthFigures]:
    """Each month's protected figures: the frozen release's, the kept ones if the
    rollups did not change since, else protected now and kept."""
    months = list(months)
    settings = settings or settings_of(project_id)
    kept = {
        row.month: row
        for row in ProtectedMonth.objects.filter(
            project_id=project_id, audience=OUTSIDE, month__in=months
        )
    }
    found = []
    live = [m for m in months if m not in kept or kept[m].frozen_at is None]
    areas = area_rows(project_id) if live else {}
    read = _read_counts(project_id, live) if live else {}
    for month in months:
        row = kept.get(month)
        if row is not None and row.frozen_at is not None:
            found.append(MonthFigures(month, row.cells, row.stats, frozen=True))
            continue
        problem, stats = _inputs(month, settings, areas, read[month])
        fingerprint = _fingerprint(problem, stats, settings)
        if row is not None and row.inputs_hash == fingerprint:
            found.append(MonthFigures(month, row.cells, row.stats, frozen=False))
            continue
        cells = protect(problem, settings.rules).published()
        _keep(project_id, month, fingerprint, cells, stats)
        found.append(MonthFigures(month, cells, stats, frozen=False))  # type: ignore[arg-type]
    return found


def _keep(
    project_id: uuid.UUID,
    month: date,
    fingerprint: str,
    cells: dict[Any, int | None],
    stats: dict[str, Any],
) -> None:
    """Bookkeeping (ADR 0006): replaces the kept month unless it is frozen."""
    fields = {
        "inputs_hash": fingerprint,
        "cells": cells,
        "stats": stats,
        "computed_at": clock.now(),
    }
    mine = ProtectedMonth.objects.filter(project_id=project_id, month=month, audience=OUTSIDE)
    if mine.filter(frozen_at__isnull=True).update(**fields) or mine.exists():
        return
    try:
        with transaction.atomic():
            ProtectedMonth.objects.create(
                project_id=project_id, month=month, audience=OUTSIDE, **fields
            )
    except IntegrityError:  # another process kept it at the same moment
        pass


def freeze_month(project_id: uuid.UUID, month: date, settings: Settings) -> MonthFigures:
    """The month as it is released, kept for good (called inside the release's
    transaction, ``public.actions.do_release_month``)."""
    (figures,) = protected_months(project_id, [month], settings)
    if not figures.frozen:
        ProtectedMonth.objects.filter(project_id=project_id, month=month, audience=OUTSIDE).update(
            frozen_at=clock.now()
        )
    return MonthFigures(month, figures.cells, figures.stats, frozen=True)


def forget_months(project_id: uuid.UUID) -> int:
    """Drops the kept months that are not frozen (they are computed again on the
    next read); for tests and benchmarks."""
    deleted, _rows = ProtectedMonth.objects.filter(
        project_id=project_id, frozen_at__isnull=True
    ).delete()
    return deleted


def period_sum(figures: Iterable[MonthFigures], cells: Iterable[str]) -> int | None:
    """The sum of ``cells`` over ``figures``: held back (None) if any part is."""
    total = 0
    for month in figures:
        for cell in cells:
            value = month.get(cell)
            if value is None:
                return None
            total += value
    return total


def month_problem(project_id: uuid.UUID, month: date, settings: Settings) -> Problem:
    """The month's cells and sums as they stand in the rollups (what is protected;
    for the tests' attack on everything shown)."""
    read = _read_counts(project_id, [month])
    problem, _stats = _inputs(month, settings, area_rows(project_id), read[month])
    return problem
