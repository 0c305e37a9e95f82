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
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import Min
from django.db.models.functions import Substr, TruncDate

from responsemap.analytics.models import (
    BUCKET_LIMITS,
    BUCKETS,
    DIMENSIONS,
    Rollup,
    RollupMargin,
)
from responsemap.protection.models import AuditEvent
from responsemap.triage.choices import Status
from responsemap.triage.models import Feedback
from responsemap.triage.replies.models import Reply

# (day, area_id, type_code, sector, source, status, gender, age_band, disability,
#  displacement, sensitivity): the key of a cell.
CellKey = tuple[object, ...]
# records, responded, response_minutes, closed, close_minutes, r0…r6, c0…c6
COUNTERS = 5 + 2 * BUCKETS
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


def _first_moves(ids: list[str], to_status: str) -> dict[str, datetime]:
    """When each of ``ids`` was first moved to ``to_status`` (audit trail), through the
    index on the events' object ids (record ids are UUIDs: no other project's)."""
    found: dict[str, datetime] = {}
    for batch in _in_batches(ids):
        rows = (
            AuditEvent.objects.filter(
                object_type="feedback",
                object_id__in=batch,
                action="feedback.change_status",
                purpose__endswith=f">{to_status}",
            )
            .values("object_id")
            .annotate(first=Min("created_at"))
            .values_list("object_id", "first")
        )
        found.update(rows)
    return found


@dataclass
class Moves:
    """Every record's first move to "answered" and to "closed" in a project, read in
    one pass (a rebuild: cheaper than asking per record)."""

    answered: dict[str, datetime]
    closed: dict[str, datetime]

    @classmethod
    def of_project(cls, project_id: uuid.UUID) -> Moves:
        answered: dict[str, datetime] = {}
        closed: dict[str, datetime] = {}
        rows = AuditEvent.objects.filter(
            project_id=project_id, action="feedback.change_status", object_type="feedback"
        ).values_list("object_id", "purpose", "created_at")
        for object_id, purpose, created_at in rows.iterator(chunk_size=10_000):
            into = (
                answered
                if purpose.endswith(">answered")
                else closed
                if purpose.endswith(">closed")
                else None
            )
            if into is not None and (object_id not in into or created_at < into[object_id]):
                into[object_id] = created_at
        return cls(answered, closed)


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
    project_id: uuid.UUID, first_day: date, end_day: date, moves: Moves | None = None
) -> dict[CellKey, list[int]]:
    """The cells of the records received from ``first_day`` up to (not including)
    ``end_day``: two queries, plus two per 900 records that moved past "new" unless
    the project's ``moves`` are given."""
    start, end = day_start(first_day), day_start(end_day)
    rows = (
        Feedback.objects.filter(project_id=project_id, received_at__gte=start, received_at__lt=end)
        .annotate(received_day=_day_of("received_at"))
        .order_by()
        .values_list("pk", "received_at", "received_day", "status", *DIMENSIONS)
    )
    # Raw rows, without the ORM's conversion of every value (most of a rebuild's time
    # on SQLite): ids, times and days come as the driver gives them (text on SQLite)
    # and are read as values only for the few records with a response or a close.
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        records = cursor.fetchall()
    ident = _identity(records)
    moved = [ident(row[0]) for row in records if row[3] != Status.NEW] if moves is None else []
    replied = _first_replies(project_id, start, end)
    if moves is None:
        moves = Moves(_first_moves(moved, Status.ANSWERED), _first_moves(moved, Status.CLOSED))
    answered, closed = moves.answered, moves.closed
    lookups = bool(replied or answered or closed)
    cells: dict[CellKey, list[int]] = {}
    for pk, received_at, day, _status, *codes in records:
        key = (_iso_day(day), *codes)
        cell = cells.get(key)
        if cell is None:
            cell = cells[key] = [0] * COUNTERS
        cell[0] += 1
        if not lookups:
            continue
        record = ident(pk)
        firsts = [t for t in (replied.get(record), answered.get(record)) if t is not None]
        closed_at = closed.get(record)
        if not firsts and closed_at is None:
            continue
        received = _moment(received_at)
        if firsts:
            minutes = max(0, int((min(firsts) - received).total_seconds() // 60))
            cell[1] += 1
            cell[2] += minutes
            cell[5 + bucket_of(minutes)] += 1
        if closed_at is not None:
            minutes = max(0, int((closed_at - received).total_seconds() // 60))
            cell[3] += 1
            cell[4] += minutes
            cell[5 + BUCKETS + bucket_of(minutes)] += 1
    return cells


def _day_of(column: str) -> Any:
    """The UTC day of a time column, in SQL: SQLite keeps times as UTC text, so its
    first ten characters (no function call per row)."""
    if connection.vendor == "sqlite":
        return Substr(column, 1, 10)
    return TruncDate(column)


def _identity(records: list[tuple[Any, ...]]) -> Any:
    """A record's id as the audit trail and replies name it (the UUID's text)."""
    if records and isinstance(records[0][0], str):
        return lambda raw: str(uuid.UUID(raw))
    return str


def _iso_day(day: object) -> str:
    return day if isinstance(day, str) else day.isoformat()  # type: ignore[attr-defined]


def _moment(value: object) -> datetime:
    """A time as SQLite's text or PostgreSQL's value, aware, in UTC."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    assert isinstance(moment, datetime)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


COUNTER_NAMES = (
    "records",
    "responded",
    "response_minutes",
    "closed",
    "close_minutes",
    *(f"r{n}" for n in range(BUCKETS)),
    *(f"c{n}" for n in range(BUCKETS)),
)


CELL_COLUMNS = ("project_id", "day", *DIMENSIONS, *COUNTER_NAMES)


# The margins' dimension names: the breakdowns' (``queries.BREAKDOWNS``), "all" for the day.
MARGIN_NAMES = ("area", *DIMENSIONS[1:-1])
ALL = "all"


MARGIN_COLUMNS = ("project_id", "day", "dimension", "value", "sensitivity", *COUNTER_NAMES)


def margins_of(cells: dict[CellKey, list[int]]) -> dict[tuple[object, ...], list[int]]:
    """The cells summed along each dimension: (day, dimension, value, sensitivity).
    In Python from the cells in hand: an INSERT … SELECT per dimension cost three times
    more on SQLite (a sort of the cells for each)."""
    margins: dict[tuple[object, ...], list[int]] = {}
    for (day, *codes), counters in cells.items():
        sensitivity = codes[-1]
        keys = [(day, ALL, "", sensitivity)] + [
            (day, name, "" if value is None else str(value), sensitivity)
            for name, value in zip(MARGIN_NAMES, codes[:-1], strict=True)
        ]
        timed = counters[1] or counters[3]  # most cells: a count and nothing else
        for key in keys:
            total = margins.get(key)
            if total is None:
                margins[key] = list(counters)
            elif timed:
                for i, n in enumerate(counters):
                    total[i] += n
            else:
                total[0] += counters[0]
    return margins


def _write(
    model: type[Rollup] | type[RollupMargin],
    columns: tuple[str, ...],
    rows: list[tuple[Any, ...]],
) -> None:
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 (model names)
            cursor.executemany(sql, rows)


def insert_cells(project_id: uuid.UUID, cells: dict[CellKey, list[int]]) -> int:
    """Write ``cells`` as ``Rollup`` rows: COPY on PostgreSQL, one prepared INSERT run
    for every row on SQLite (plain ints, text and ISO dates: no per-value field
    conversion, which cost most of a rebuild through the ORM). Returns the number of
    cells. Their margins (``margins_of``) go to ``RollupMargin`` with them."""
    if not cells:
        return 0
    project = Rollup._meta.get_field("project").get_db_prep_value(project_id, connection)
    _write(
        Rollup,
        CELL_COLUMNS,
        [(project, _iso_day(day), *codes, *counters) for (day, *codes), counters in cells.items()],
    )
    _write(
        RollupMargin,
        MARGIN_COLUMNS,
        [
            (project, _iso_day(day), name, value, sensitivity, *counters)
            for (day, name, value, sensitivity), counters in margins_of(cells).items()
        ],
    )
    return len(cells)


def day_range(first_day: date, end_day: date, step: int = 1) -> Iterator[date]:
    day = first_day
    while day < end_day:
        yield day
        day += timedelta(days=step)
