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
once (``Release``). The cells are those of the month protected once for every page
shown outside the project (``analytics.protected``, ADR 0010): the donors' summary
shows the same counts in other tables (with the protection records as one group, by
channel and status, by week), and all of them were attacked together.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from responsemap.analytics.protected.months import (
    NO_AREA as NO_AREA,
)
from responsemap.analytics.protected.months import (
    Settings,
    freeze_month,
)
from responsemap.analytics.protected.months import (
    key as cell_key,
)
from responsemap.analytics.protected.months import (
    month_end as month_end,
)
from responsemap.analytics.rollups import ALL
from responsemap.protection.disclosure import Rules, Sum
from responsemap.protection.disclosure_attack import intervals

GENERAL = "general"
PROTECTION = "protection"
TOTAL = "total"
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


def plan_month(
    project_id: uuid.UUID, month: date, rules: Rules, area_level: int
) -> list[PlannedTable]:
    """The month's tables, suppressed as they will be published: taken from the
    month protected once for every outside page (``analytics.protected``, frozen by
    this: the summary, the report and "all my projects" read the same cells from then
    on). Call it inside the release's transaction."""
    settings = Settings(rules.threshold, rules.sensitive_threshold, area_level)
    figures = freeze_month(project_id, month, settings)
    planned: list[PlannedTable] = []
    for family, names in ((GENERAL, GENERAL_TABLES), (PROTECTION, PROTECTION_TABLES)):
        threshold = rules.sensitive_threshold if family == PROTECTION else rules.threshold
        total = figures.get(cell_key(family))
        planned.append(PlannedTable(TOTAL, family, ALL, threshold, (("", total),)))
        for name, dimension in names.items():
            table = (
                "area1" if family == GENERAL and name == "area" and area_level == 1 else dimension
            )
            cells = tuple(
                (category, figures.get(cell_key(family, table, category)))
                for category in sorted(figures.categories(family, table))
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
