"""The fixed set of tables the public page publishes for one calendar month, counted
from the rollups' margins and put through disclosure control (``protection.disclosure``).

Two families, tied by no sum to each other nor to any other month:

- general (records not marked protection-sensitive): the month's total; by type, by
  sector, by area (at the page's level, 1 or 2), by gender, by age group. Each table
  sums to the total; the total is published next to them.
- protection (protection-sensitive records): the month's total and by area, at level
  2 at the finest. Held to the stricter threshold, zeros suppressed too; shown only
  once a protection specialist approved them.

Nothing spans months (no running total is published; the page's overall figure is the
sum of published months only, which anyone could add up), and a month is released
once (``Release``): so the sums an adversary can write are those of one family of one
month, which ``disclosure.protect`` has already attacked.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.db.models import Sum as DbSum

from responsemap.analytics.models import RollupMargin
from responsemap.analytics.rollups import ALL
from responsemap.geo.models import AdminArea
from responsemap.protection.disclosure import (
    Rules,
    Sum,
    Table,
    protect,
    tables_to_problem,
)
from responsemap.protection.disclosure_attack import intervals
from responsemap.triage.choices import Sensitivity

GENERAL = "general"
PROTECTION = "protection"
TOTAL = "total"
NO_AREA = "none"
# Table name -> the rollups' margin dimension it counts.
GENERAL_TABLES = {
    "type": "type_code",
    "sector": "sector",
    "area": "area",
    "gender": "gender",
    "age_band": "age_band",
}
PROTECTION_TABLES = {"area": "area"}
MAX_PROTECTION_LEVEL = 2


@dataclass(frozen=True)
class PlannedTable:
    """One table as it will be published: ``cells`` are (category, count or None)."""

    name: str
    family: str
    dimension: str
    threshold: int
    cells: tuple[tuple[str, int | None], ...]

    def fingerprint(self, project_id: uuid.UUID, month: date) -> str:
        """SHA-256 of what was published: project, month, table and its values."""
        text = json.dumps(
            [str(project_id), month.isoformat(), self.family, self.name, list(self.cells)],
            separators=(",", ":"),
        )
        return hashlib.sha256(text.encode()).hexdigest()


def month_end(month: date) -> date:
    """The first day of the next month."""
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def _area_mapper(project_id: uuid.UUID, level: int) -> tuple[dict[str, str], list[str]]:
    """Area id (text) -> the id of its ancestor at ``level`` (itself if shallower),
    and every area at ``level`` (the rows of the area tables, zeros included)."""
    rows = {
        pk: (area_level, parent_id)
        for pk, area_level, parent_id in AdminArea.objects.filter(project_id=project_id)
        .values_list("pk", "level", "parent_id")
        .iterator()
    }
    mapped: dict[str, str] = {}
    for pk in rows:
        current = pk
        while rows[current][0] > level and rows[current][1] in rows:
            current = rows[current][1]
        mapped[str(pk)] = str(current)
    listed = sorted(str(pk) for pk, (lvl, _parent) in rows.items() if lvl == level)
    return mapped, listed


def month_counts(
    project_id: uuid.UUID, month: date, area_level: int
) -> dict[str, dict[str, dict[str, int]]]:
    """``{family: {dimension: {category: count}}}`` of the month, from the margins."""
    wanted = {ALL, *GENERAL_TABLES.values()}
    rows = (
        RollupMargin.objects.filter(
            project_id=project_id,
            day__gte=month,
            day__lt=month_end(month),
            dimension__in=wanted,
        )
        .values_list("dimension", "value", "sensitivity")
        .annotate(records=DbSum("records"))
        .order_by()
    )
    counts: dict[str, dict[str, dict[str, int]]] = {
        GENERAL: defaultdict(lambda: defaultdict(int)),
        PROTECTION: defaultdict(lambda: defaultdict(int)),
    }
    for dimension, value, sensitivity, records in rows:
        family = GENERAL if sensitivity == Sensitivity.NORMAL else PROTECTION
        counts[family][dimension][value or ""] += int(records or 0)
    return _with_areas(project_id, counts, area_level)


def _with_areas(
    project_id: uuid.UUID, counts: dict[str, dict[str, dict[str, int]]], area_level: int
) -> dict[str, dict[str, dict[str, int]]]:
    result: dict[str, dict[str, dict[str, int]]] = {}
    for family, by_dimension in counts.items():
        level = area_level if family == GENERAL else min(area_level, MAX_PROTECTION_LEVEL)
        mapped, listed = _area_mapper(project_id, level)
        areas: dict[str, int] = dict.fromkeys(listed, 0)
        for value, count in by_dimension.get("area", {}).items():
            key = mapped.get(value, NO_AREA) if value else NO_AREA
            areas[key] = areas.get(key, 0) + count
        if not areas.get(NO_AREA):
            areas.pop(NO_AREA, None)
        result[family] = {name: dict(values) for name, values in by_dimension.items()}
        result[family]["area"] = areas
    return result


def plan_month(
    project_id: uuid.UUID, month: date, rules: Rules, area_level: int
) -> list[PlannedTable]:
    """The month's tables, suppressed as they will be published."""
    counts = month_counts(project_id, month, area_level)
    tables: list[Table] = []
    totals: dict[Hashable, int] = {}
    for family, names in ((GENERAL, GENERAL_TABLES), (PROTECTION, PROTECTION_TABLES)):
        total = sum(counts[family].get(ALL, {}).values())
        totals[(family, TOTAL)] = total
        for name, dimension in names.items():
            found = counts[family].get(dimension, {})
            if family == GENERAL:
                found = {category: n for category, n in found.items() if n or name == "area"}
            tables.append(
                Table(f"{family}:{name}", found, (family, TOTAL), sensitive=family == PROTECTION)
            )
    # The protection family is planned even with no case: a month without its tables
    # would say "none" (its zeros are suppressed like small counts).
    problem = tables_to_problem(tables, totals)
    shown = protect(problem, rules).published()
    planned: list[PlannedTable] = []
    for family, names in ((GENERAL, GENERAL_TABLES), (PROTECTION, PROTECTION_TABLES)):
        threshold = rules.sensitive_threshold if family == PROTECTION else rules.threshold
        planned.append(PlannedTable(TOTAL, family, ALL, threshold, (("", shown[(family, TOTAL)]),)))
        for name, dimension in names.items():
            table = f"{family}:{name}"
            cells = tuple(
                (category, shown[(table, category)])
                for (owner, category) in sorted(
                    (k for k in shown if isinstance(k, tuple) and k[0] == table),
                    key=lambda k: k[1],
                )
                if owner == table
            )
            planned.append(PlannedTable(name, family, dimension, threshold, cells))
    return planned


@dataclass(frozen=True)
class PublishedTable:
    """A table as the ledger holds it (what the attack of the output reads)."""

    month: date
    family: str
    name: str
    threshold: int
    cells: Sequence[tuple[str, int | None]]


def published_sums(
    tables: Iterable[PublishedTable],
) -> tuple[list[Sum], dict[object, int | None], dict[object, int]]:
    """Everything published, as the sums an adversary can write: each month's family
    total is the sum of each of its tables. Returns the sums, the published values
    (None where suppressed) and each cell's threshold."""
    sums: list[Sum] = []
    values: dict[object, int | None] = {}
    thresholds: dict[object, int] = {}
    for table in tables:
        total_key = (table.month, table.family, TOTAL, "")
        keys = tuple((table.month, table.family, table.name, c) for c, _n in table.cells)
        for key, (_category, value) in zip(keys, table.cells, strict=True):
            values[key] = value
            thresholds[key] = table.threshold
        if table.name != TOTAL:
            sums.append(Sum(total_key, keys))
    return sums, values, thresholds


def recoverable_cells(tables: Iterable[PublishedTable]) -> list[tuple[object, float, float]]:
    """The attack of the output: every suppressed cell whose feasible interval, given
    everything published, is narrower than its threshold (should be none)."""
    sums, values, thresholds = published_sums(tables)
    hidden = [key for key, value in values.items() if value is None]
    if not hidden:
        return []
    bounds = intervals(sums, values, hidden)
    return [(key, low, high) for key, (low, high) in bounds.items() if high - low < thresholds[key]]
