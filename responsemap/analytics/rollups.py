"""Computing rollup cells from feedback records (read-only: ``actions`` writes them).

A day's cells are computed from scratch, from the records received that day (UTC):
recomputing a day twice gives the same cells, so the upkeep may redo a day whenever it
is unsure, and a rebuild is the same computation over every day.

Response times follow ``triage.replies.queries.response_times``: the first response is
the first reply sent from the record or its first move to "answered", whichever came
first; the close is its first move to "closed" (both moves read from the audit trail,
where the workflow writes them).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Min

from responsemap.analytics.models import BUCKET_LIMITS, BUCKETS, DIMENSIONS
from responsemap.protection.models import AuditEvent
from responsemap.triage.choices import Status
from responsemap.triage.models import Feedback
from responsemap.triage.replies.models import Reply

# (day, area_id, type_code, sector, source, status, gender, age_band, disability,
#  displacement, sensitivity): the key of a cell.
CellKey = tuple[object, ...]
# records, responded, response_minutes, closed, close_minutes, r0…r6, c0…c6
COUNTERS = 5 + 2 * BUCKETS
RECORD_COLUMNS = ("pk", "received_at", *DIMENSIONS)
ID_BATCH = 900  # ids per IN list (SQLite's limit on variables is far above)


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def bucket_of(minutes: int) -> int:
    for index, limit in enumerate(BUCKET_LIMITS):
        if minutes < limit:
            return index
    return len(BUCKET_LIMITS)


def _in_batches(ids: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), ID_BATCH):
        yield ids[start : start + ID_BATCH]


def _first_moves(project_id: uuid.UUID, ids: list[str], to_status: str) -> dict[str, datetime]:
    """When each of ``ids`` was first moved to ``to_status`` (audit trail)."""
    found: dict[str, datetime] = {}
    for batch in _in_batches(ids):
        rows = (
            AuditEvent.objects.filter(
                project_id=project_id,
                action="feedback.change_status",
                object_type="feedback",
                object_id__in=batch,
                purpose__endswith=f">{to_status}",
            )
            .values("object_id")
            .annotate(first=Min("created_at"))
            .values_list("object_id", "first")
        )
        found.update(rows)
    return found


def _first_replies(project_id: uuid.UUID, start: datetime, end: datetime) -> dict[str, datetime]:
    rows = (
        Reply.objects.filter(
            project_id=project_id,
            feedback__received_at__gte=start,
            feedback__received_at__lt=end,
        )
        .values("feedback_id")
        .annotate(first=Min("created_at"))
        .values_list("feedback_id", "first")
    )
    return {str(pk): first for pk, first in rows}


def compute_cells(
    project_id: uuid.UUID, first_day: date, end_day: date
) -> dict[CellKey, list[int]]:
    """The cells of the records received from ``first_day`` up to (not including)
    ``end_day``: four queries plus one per 900 records that moved past "new"."""
    start, end = day_start(first_day), day_start(end_day)
    records = list(
        Feedback.objects.filter(project_id=project_id, received_at__gte=start, received_at__lt=end)
        .order_by()
        .values_list(*RECORD_COLUMNS)
    )
    moved = [str(row[0]) for row in records if row[DIMENSIONS.index("status") + 2] != Status.NEW]
    replied = _first_replies(project_id, start, end)
    answered = _first_moves(project_id, moved, Status.ANSWERED)
    closed = _first_moves(project_id, moved, Status.CLOSED)
    cells: dict[CellKey, list[int]] = {}
    for pk, received_at, *codes in records:
        key = (received_at.astimezone(UTC).date(), *codes)
        cell = cells.get(key)
        if cell is None:
            cell = cells[key] = [0] * COUNTERS
        cell[0] += 1
        ident = str(pk)
        firsts = [t for t in (replied.get(ident), answered.get(ident)) if t is not None]
        if firsts:
            minutes = max(0, int((min(firsts) - received_at).total_seconds() // 60))
            cell[1] += 1
            cell[2] += minutes
            cell[5 + bucket_of(minutes)] += 1
        closed_at = closed.get(ident)
        if closed_at is not None:
            minutes = max(0, int((closed_at - received_at).total_seconds() // 60))
            cell[3] += 1
            cell[4] += minutes
            cell[5 + BUCKETS + bucket_of(minutes)] += 1
    return cells


COUNTER_NAMES = (
    "records",
    "responded",
    "response_minutes",
    "closed",
    "close_minutes",
    *(f"r{n}" for n in range(BUCKETS)),
    *(f"c{n}" for n in range(BUCKETS)),
)


def cell_rows(
    project_id: uuid.UUID, cells: dict[CellKey, list[int]]
) -> Iterable[dict[str, object]]:
    """The cells as rows of ``Rollup`` (dicts for ``lib.rawsql.insert``)."""
    for (day, *codes), counters in cells.items():
        yield {
            "project_id": project_id,
            "day": day,
            **dict(zip(DIMENSIONS, codes, strict=True)),
            **dict(zip(COUNTER_NAMES, counters, strict=True)),
        }


def day_range(first_day: date, end_day: date) -> Iterator[date]:
    day = first_day
    while day < end_day:
        yield day
        day += timedelta(days=1)
