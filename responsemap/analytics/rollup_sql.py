"""Rollup cells and margins computed by the database: one ``INSERT … SELECT … GROUP
BY`` for the cells of a range of days, one for their margins (read from the cells
just written). Nothing is read into Python, whatever the number of records: what a
rebuild of a million records needs (``actions.do_rebuild_rollups``), and what the
upkeep uses for the days it recomputes.

The figures are those of ``rollups.compute_cells`` (the Python reference, which
``analytics/tests/test_rollup_sql.py`` compares with these on both databases):

- first response = the earlier of the record's first reply and its first move to
  "answered", close = its first move to "closed" (moves from the audit trail);
- minutes = ``max(0, floor(seconds / 60))`` counted exactly: PostgreSQL's
  ``EXTRACT(EPOCH …)`` is a numeric; on SQLite, where times are UTC text
  (``YYYY-MM-DD HH:MM:SS[.ffffff]``), whole seconds by ``strftime('%s')`` plus the
  microseconds read from the text, in integers (no floating point day fractions).
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from django.db import connection

from responsemap.analytics.models import (
    BUCKET_LIMITS,
    DIMENSIONS,
    Rollup,
    RollupMargin,
    RollupPair,
)
from responsemap.analytics.rollups import ALL, COUNTER_NAMES, MARGIN_NAMES, day_start
from responsemap.protection.models import AuditEvent
from responsemap.triage.models import Feedback
from responsemap.triage.replies.models import Reply


def _table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _minutes(moment: str, received: str) -> str:
    """Whole minutes from ``received`` to ``moment`` (NULL when ``moment`` is), never
    below 0, exactly as ``int(timedelta.total_seconds() // 60)``."""
    if _postgres():
        # GREATEST skips NULLs (GREATEST(0, NULL) is 0): the CASE keeps "no time" NULL.
        return (
            f"CASE WHEN {moment} IS NULL THEN NULL ELSE CAST(GREATEST(0, "
            f"FLOOR(EXTRACT(EPOCH FROM ({moment} - {received})) / 60)) AS BIGINT) END"
        )

    def micro(text: str) -> str:
        return (
            f"(CAST(strftime('%%s', substr({text}, 1, 19)) AS INTEGER) * 1000000 "
            f"+ CAST(substr({text} || '.000000', 21, 6) AS INTEGER))"
        )

    # Integer division truncates toward zero: a negative difference gives 0 or less,
    # and max(0, …) makes it 0, as the Python does; max(0, NULL) is NULL.
    return f"max(0, ({micro(moment)} - {micro(received)}) / 60000000)"


def _earlier(a: str, b: str) -> str:
    """The earlier of two times, either of which may be NULL."""
    if _postgres():
        return f"LEAST({a}, {b})"
    return f"min(coalesce({a}, {b}), coalesce({b}, {a}))"


def _feedback_key(column: str) -> str:
    """A feedback id as the audit trail names it (``object_id``: the UUID's text with
    dashes): PostgreSQL's uuid as text; SQLite keeps 32 hex digits, dashed here, so
    that the audit trail is looked up through its index on ``object_id``."""
    if _postgres():
        return f"CAST({column} AS TEXT)"
    parts = [(1, 8), (9, 4), (13, 4), (17, 4), (21, 12)]
    return " || '-' || ".join(f"substr({column}, {start}, {n})" for start, n in parts)


def _buckets(column: str, prefix: str) -> list[str]:
    limits = (None, *BUCKET_LIMITS, None)
    sums = []
    for index in range(len(BUCKET_LIMITS) + 1):
        low, high = limits[index], limits[index + 1]
        parts = [f"{column} IS NOT NULL"]
        if low is not None:
            parts.append(f"{column} >= {low}")
        if high is not None:
            parts.append(f"{column} < {high}")
        sums.append(f"SUM(CASE WHEN {' AND '.join(parts)} THEN 1 ELSE 0 END) AS {prefix}{index}")
    return sums


def _day_expr() -> str:
    return "CAST(f.received_at AS DATE)" if _postgres() else "substr(f.received_at, 1, 10)"


def cells_sql(project: Any, first_day: date, end_day: date) -> tuple[str, list[Any]]:
    """The ``INSERT … SELECT`` of the cells of the records received from ``first_day``
    up to (not including) ``end_day``."""
    feedback, replies, audit = _table(Feedback), _table(Reply), _table(AuditEvent)
    start = Feedback._meta.get_field("received_at").get_db_prep_value(
        day_start(first_day), connection
    )
    end = Feedback._meta.get_field("received_at").get_db_prep_value(day_start(end_day), connection)
    in_range = "f.project_id = %s AND f.received_at >= %s AND f.received_at < %s"
    # Day of a UTC time: PostgreSQL's session is in UTC (Django sets it).
    moves = (
        f"SELECT object_id AS record, MIN(created_at) AS at FROM {audit} "  # noqa: S608
        "WHERE project_id = %s AND object_type = 'feedback' "
        "AND action = 'feedback.change_status' AND purpose LIKE %s "
        f"AND object_id IN (SELECT {_feedback_key('f.id')} FROM {feedback} f "
        f"WHERE {in_range}) GROUP BY object_id"
    )
    first_replies = (
        f"SELECT r.feedback_id AS record, MIN(r.created_at) AS at FROM {replies} r "  # noqa: S608
        f"JOIN {feedback} f ON f.id = r.feedback_id WHERE {in_range} GROUP BY r.feedback_id"
    )
    dims = ", ".join(f"f.{_q(d)}" for d in DIMENSIONS)
    first = _earlier("rp.at", "an.at")
    rows = (
        f"SELECT {_day_expr()} AS day, {dims}, "  # noqa: S608 (our own names)
        f"{_minutes(first, 'f.received_at')} AS rm, "
        f"{_minutes('cl.at', 'f.received_at')} AS cm "
        f"FROM {feedback} f "
        f"LEFT JOIN ({first_replies}) rp ON rp.record = f.id "
        f"LEFT JOIN ({moves}) an ON an.record = {_feedback_key('f.id')} "
        f"LEFT JOIN ({moves}) cl ON cl.record = {_feedback_key('f.id')} "
        f"WHERE {in_range}"
    )
    project_id = Feedback._meta.get_field("project").get_db_prep_value(project, connection)
    range_params = [project_id, start, end]
    params = [
        project_id,
        *range_params,  # first replies
        project_id,
        "%>answered",
        *range_params,
        project_id,
        "%>closed",
        *range_params,
        *range_params,
    ]
    grouped = ", ".join(f"t.{_q(d)}" for d in DIMENSIONS)
    counters = [
        "COUNT(*)",
        "COUNT(t.rm)",
        "COALESCE(SUM(t.rm), 0)",
        "COUNT(t.cm)",
        "COALESCE(SUM(t.cm), 0)",
        *_buckets("t.rm", "r"),
        *_buckets("t.cm", "c"),
    ]
    columns = ", ".join(_q(c) for c in ("project_id", "day", *DIMENSIONS, *COUNTER_NAMES))
    sql = (
        f"INSERT INTO {_table(Rollup)} ({columns}) "  # noqa: S608 (our own names)
        f"SELECT %s, t.day, {grouped}, {', '.join(counters)} "
        f"FROM ({rows}) t GROUP BY t.day, {grouped}"
    )
    return sql, params


def margins_sql(project: Any, first_day: date, end_day: date) -> tuple[str, list[Any]]:
    """The ``INSERT … SELECT`` of the margins of the cells of ``first_day`` up to
    ``end_day`` (``rollups.margins_of``, in SQL): one ``GROUP BY`` per dimension."""
    project_id = Rollup._meta.get_field("project").get_db_prep_value(project, connection)
    sums = ", ".join(f"SUM({_q(c)})" for c in COUNTER_NAMES)
    where = "project_id = %s AND day >= %s AND day < %s"
    days = [
        Rollup._meta.get_field("day").get_db_prep_value(d, connection) for d in (first_day, end_day)
    ]
    if _postgres():
        return _margins_by_grouping_sets(project_id, days, sums, where)
    parts = [
        f"SELECT day, '{ALL}', '', sensitivity, {sums} FROM {_table(Rollup)} "  # noqa: S608
        f"WHERE {where} GROUP BY day, sensitivity"
    ]
    for name, column in zip(MARGIN_NAMES, DIMENSIONS[:-1], strict=True):
        value = f"COALESCE(CAST({_q(column)} AS TEXT), '')" if column == "area_id" else _q(column)
        parts.append(
            f"SELECT day, '{name}', {value}, sensitivity, {sums} "  # noqa: S608
            f"FROM {_table(Rollup)} WHERE {where} GROUP BY day, {_q(column)}, sensitivity"
        )
    columns = ", ".join(
        _q(c) for c in ("project_id", "day", "dimension", "value", "sensitivity", *COUNTER_NAMES)
    )
    sql = (
        f"INSERT INTO {_table(RollupMargin)} ({columns}) "  # noqa: S608
        f"SELECT %s, m.* FROM ({' UNION ALL '.join(parts)}) m"
    )
    return sql, [project_id, *([project_id, *days] * (len(parts)))]


def _margins_by_grouping_sets(
    project_id: Any, days: list[Any], sums: str, where: str
) -> tuple[str, list[Any]]:
    """PostgreSQL: every margin in one scan of the cells (``GROUPING SETS``) rather than
    one scan per dimension (four times the CPU on the benchmark's cells)."""
    pairs = list(zip(MARGIN_NAMES, DIMENSIONS[:-1], strict=True))
    name = " ".join(f"WHEN GROUPING({_q(c)}) = 0 THEN '{n}'" for n, c in pairs)
    value = " ".join(
        f"WHEN GROUPING({_q(c)}) = 0 THEN "
        + (f"COALESCE(CAST({_q(c)} AS TEXT), '')" if c == "area_id" else _q(c))
        for _n, c in pairs
    )
    sets = ", ".join(["(day, sensitivity)", *(f"(day, {_q(c)}, sensitivity)" for _n, c in pairs)])
    columns = ", ".join(
        _q(c) for c in ("project_id", "day", "dimension", "value", "sensitivity", *COUNTER_NAMES)
    )
    sql = (
        f"INSERT INTO {_table(RollupMargin)} ({columns}) "  # noqa: S608 (our own names)
        f"SELECT %s, day, CASE {name} ELSE '{ALL}' END, CASE {value} ELSE '' END, "
        f"sensitivity, {sums} FROM {_table(Rollup)} WHERE {where} "
        f"GROUP BY GROUPING SETS ({sets})"
    )
    return sql, [project_id, project_id, *days]


def insert_days(project: uuid.UUID, first_day: date, end_day: date) -> int:
    """Compute and write the cells and margins of ``first_day`` up to ``end_day`` (the
    caller has deleted those days' rows, in its transaction); returns the cells."""
    with connection.cursor() as cursor:
        cursor.execute(*cells_sql(project, first_day, end_day))
        written = max(0, int(cursor.rowcount))
        if written:
            cursor.execute(*margins_sql(project, first_day, end_day))
    return written


# ------------------------------------------------------------- per-week pairs (ADR 0012)

# The filters a dashboard shares with the inbox, as the margins name them: the first
# five of ``MARGIN_NAMES`` (area, type, sector, channel, status).
PAIR_FILTERS = MARGIN_NAMES[:5]
PAIR_COLUMNS = dict(zip(MARGIN_NAMES, DIMENSIONS[:-1], strict=True))


def _as_text(column: str) -> str:
    if column == "area_id":
        return f"COALESCE(CAST({_q(column)} AS TEXT), '')"
    return _q(column)


def pairs_sql(project: Any, week: date) -> tuple[str, list[Any]]:
    """The ``INSERT … SELECT`` of the week's pairs (``RollupPair``) from its cells:
    every unordered pair of dimensions of which at least one is a filter, grouped
    once (``GROUPING SETS`` on PostgreSQL, a ``GROUP BY`` each on SQLite), written in
    both directions when both are filters (a filter's rows name it first). The
    upkeep's delta of a few days writes the same rows (``pair_delta``)."""
    project_id = Rollup._meta.get_field("project").get_db_prep_value(project, connection)
    day = Rollup._meta.get_field("day")
    bounds = [day.get_db_prep_value(d, connection) for d in (week, week + timedelta(days=7))]
    names = list(MARGIN_NAMES)
    pairs = [
        (names[i], names[j]) for i in range(len(PAIR_FILTERS)) for j in range(i + 1, len(names))
    ]
    where = "project_id = %s AND day >= %s AND day < %s"
    cells = _table(Rollup)
    params: list[Any]
    ctes = ""
    if _postgres():
        grouping = [PAIR_COLUMNS[n] for n in names]
        first = " ".join(
            f"WHEN GROUPING({_q(c)}) = 0 THEN '{n}'" for n, c in zip(names, grouping, strict=True)
        )
        first_value = " ".join(f"WHEN GROUPING({_q(c)}) = 0 THEN {_as_text(c)}" for c in grouping)
        last = " ".join(
            f"WHEN GROUPING({_q(c)}) = 0 THEN '{n}'"
            for n, c in reversed(list(zip(names, grouping, strict=True)))
        )
        last_value = " ".join(
            f"WHEN GROUPING({_q(c)}) = 0 THEN {_as_text(c)}" for c in reversed(grouping)
        )
        sets = ", ".join(
            f"({_q(PAIR_COLUMNS[a])}, {_q(PAIR_COLUMNS[b])}, sensitivity)" for a, b in pairs
        )
        grouped = (
            f"SELECT CASE {first} END AS d1, CASE {first_value} END AS v1, "  # noqa: S608
            f"CASE {last} END AS d2, CASE {last_value} END AS v2, sensitivity AS s, "
            f"SUM(records) AS n FROM {cells} WHERE {where} GROUP BY GROUPING SETS ({sets})"
        )
        params = [project_id, *bounds]
    else:
        parts = [
            f"SELECT '{a}' AS d1, {_as_text(PAIR_COLUMNS[a])} AS v1, "  # noqa: S608
            f"'{b}' AS d2, {_as_text(PAIR_COLUMNS[b])} AS v2, sensitivity AS s, "
            f"SUM(records) AS n FROM c "
            f"GROUP BY {_q(PAIR_COLUMNS[a])}, {_q(PAIR_COLUMNS[b])}, sensitivity"
            for a, b in pairs
        ]
        # The week's cells once, narrowed to the columns the pairs read.
        narrow = ", ".join(
            _q(c) for c in (*(PAIR_COLUMNS[n] for n in names), "sensitivity", "records")
        )
        grouped = " UNION ALL ".join(parts)
        ctes = f"c AS MATERIALIZED (SELECT {narrow} FROM {cells} WHERE {where}), "  # noqa: S608
        params = [project_id, *bounds]
    filters = ", ".join(f"'{n}'" for n in PAIR_FILTERS)
    columns = ", ".join(
        _q(c)
        for c in ("project_id", "week", "dimension", "value", "breakdown", "bar", "sensitivity")
    )
    week_value = day.get_db_prep_value(week, connection)
    sql = (
        f"WITH {ctes}g AS ({grouped}) "  # noqa: S608 (our own names)
        f"INSERT INTO {_table(RollupPair)} ({columns}, {_q('records')}) "
        "SELECT %s, %s, d1, v1, d2, v2, s, n FROM g "
        f"UNION ALL SELECT %s, %s, d2, v2, d1, v1, s, n FROM g WHERE d2 IN ({filters})"
    )
    return sql, [*params, project_id, week_value, project_id, week_value]


def insert_pairs(project: uuid.UUID, week: date) -> int:
    """Compute and write the week's pairs (the caller has deleted the week's rows, in
    its transaction, and written its cells); returns the rows written as the driver
    counts them (SQLite's does not count a ``WITH … INSERT``: 0 there)."""
    with connection.cursor() as cursor:
        cursor.execute(*pairs_sql(project, week))
        return max(0, int(cursor.rowcount))


PairKey = tuple[str, str, str, str, str]  # dimension, value, breakdown, bar, sensitivity


def day_cells(project: uuid.UUID, day: date) -> dict[tuple[Any, ...], int]:
    """A day's cells as (the breakdowns' values as the pairs name them, sensitivity)
    → records: codes and counts, nothing of a record (the upkeep's delta)."""
    project_id = Rollup._meta.get_field("project").get_db_prep_value(project, connection)
    day_value = Rollup._meta.get_field("day").get_db_prep_value(day, connection)
    names = [PAIR_COLUMNS[n] for n in MARGIN_NAMES]
    columns = ", ".join(_as_text(c) for c in names)
    found: dict[tuple[Any, ...], int] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns}, {_q('sensitivity')}, {_q('records')} "  # noqa: S608
            f"FROM {_table(Rollup)} WHERE {_q('project_id')} = %s AND {_q('day')} = %s",
            [project_id, day_value],
        )
        for *codes, records in cursor.fetchall():
            key = tuple(str(c) for c in codes)
            found[key] = found.get(key, 0) + int(records)
    return found


def pair_delta(
    old: dict[tuple[Any, ...], int], new: dict[tuple[Any, ...], int]
) -> dict[PairKey, int]:
    """What the pairs gain from a day's cells going from ``old`` to ``new``
    (``day_cells``): the pairs are sums over cells, so only the cells whose count
    changed contribute (a status change: two cells), each to every pair of its values
    that ``pairs_sql`` writes (a filter first; both ways when both are filters)."""
    names = list(MARGIN_NAMES)
    filters = len(PAIR_FILTERS)
    delta: dict[PairKey, int] = {}
    for key in set(old) | set(new):
        change = new.get(key, 0) - old.get(key, 0)
        if not change:
            continue
        *values, sensitivity = key
        for i in range(filters):
            for j in range(i + 1, len(names)):
                ways = [(i, j), (j, i)] if j < filters else [(i, j)]
                for a, b in ways:
                    pair = (names[a], values[a], names[b], values[b], sensitivity)
                    delta[pair] = delta.get(pair, 0) + change
    return delta


def apply_pair_delta(project: uuid.UUID, week: date, delta: dict[PairKey, int]) -> bool:
    """Change the week's pair rows by ``delta`` (``apply_week_delta``)."""
    keys = ("dimension", "value", "breakdown", "bar", "sensitivity")
    return apply_week_delta(RollupPair, keys, project, week, dict(delta))


def _plain(value: object) -> object:
    return value if isinstance(value, int) else str(value)


def apply_week_delta(
    model: Any,
    key_columns: tuple[str, ...],
    project: uuid.UUID,
    week: date,
    delta: dict[tuple[Any, ...], int],
) -> bool:
    """Change a weekly table's rows (``RollupPair``, ``MapCoarseCell``: a row per
    project, week and ``key_columns``, with ``records``) by ``delta`` (new share of
    some days minus their old share): a row updated, written or removed for each key
    whose count changed, so that the rows are those a full recompute writes (one a
    key, none at zero). False, with nothing written, if the rows do not hold the old
    share (a key taken below zero): the caller recomputes the week then."""
    changed = {key: n for key, n in delta.items() if n}
    if not changed:
        return True
    project_id = model._meta.get_field("project").get_db_prep_value(project, connection)
    week_value = model._meta.get_field("week").get_db_prep_value(week, connection)
    table = _table(model)
    names = ", ".join(_q(c) for c in key_columns)
    width = len(key_columns)
    where = f"{_q('project_id')} = %s AND {_q('week')} = %s"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {_q('id')}, {names}, {_q('records')} FROM {table} WHERE {where}",  # noqa: S608
            [project_id, week_value],
        )
        have = {
            tuple(_plain(v) for v in row[1 : 1 + width]): (row[0], int(row[1 + width]))
            for row in cursor.fetchall()
        }
        updates: list[tuple[int, Any]] = []
        removed: list[Any] = []
        added: list[tuple[Any, ...]] = []
        for raw, n in changed.items():
            key = tuple(_plain(v) for v in raw)
            if key in have:
                pk, records = have[key]
                if records + n < 0:
                    return False
                if records + n == 0:
                    removed.append(pk)
                else:
                    updates.append((records + n, pk))
            elif n < 0:
                return False
            else:
                added.append((project_id, week_value, *key, n))
        if updates:
            cursor.executemany(
                f"UPDATE {table} SET {_q('records')} = %s WHERE {_q('id')} = %s",  # noqa: S608
                updates,
            )
        for start in range(0, len(removed), 500):
            batch = removed[start : start + 500]
            marks = ", ".join(["%s"] * len(batch))
            cursor.execute(f"DELETE FROM {table} WHERE {_q('id')} IN ({marks})", batch)  # noqa: S608
        if added:
            marks = ", ".join(["%s"] * (width + 3))
            cursor.executemany(
                f"INSERT INTO {table} ({_q('project_id')}, {_q('week')}, {names}, "  # noqa: S608
                f"{_q('records')}) VALUES ({marks})",
                added,
            )
    return True
