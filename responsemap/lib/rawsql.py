"""Plain-SQL inserts for the few paths where the ORM's per-statement cost shows.

The inbound receipt and the audit append run on every message a gateway posts; building
a query through the ORM costs ~0.3 ms of CPU a statement there, more than the database
spends on it. These helpers build the statement once per (model, columns) and prepare
values with the model fields' own ``get_db_prep_save``, so types come out as the ORM
would write them, on SQLite and PostgreSQL alike (both support ``ON CONFLICT … DO
NOTHING`` and ``RETURNING``). Everything else uses the ORM.

On PostgreSQL, ``cursor()`` runs these statements as server-side prepared statements:
parsed and planned once per connection, not on every message (ADR 0005).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache, lru_cache
from typing import Any

from django.db import connection, connections, models
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper


def cursor() -> CursorWrapper:
    """A cursor for a statement run again and again with new values. On PostgreSQL
    with prepared statements on (``prepare_threshold`` in the database OPTIONS, set
    in settings), it binds values on the server, and the statement is prepared on its
    connection's first use; otherwise, an ordinary cursor. Django's wrapper is kept,
    so errors come out as Django's and query logging and ``execute_wrapper`` apply."""
    if connection.vendor != "postgresql" or not prepared_statements():
        return connection.cursor()
    # No health check here (CONN_HEALTH_CHECKS): it is one more round trip for every
    # webhook, the hot path. A connection that died is found by using it; the webhook
    # serves the request again on a fresh one (intake/channels/views.py).
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = _numbered_cursor()(connection.connection)
    if connection.queries_logged:
        return _StatementLogged(raw, connection)
    return connection.make_cursor(raw)


class _StatementLogged(CursorDebugWrapper):
    """Query logging (``CaptureQueriesContext``, DEBUG) keeps the statement as written:
    psycopg keeps no text of a prepared one to rebuild it from."""

    @contextmanager
    def debug_sql(
        self,
        sql: str | None = None,
        params: Any = None,
        use_last_executed_query: bool = False,
        many: bool = False,
    ) -> Iterator[None]:
        with super().debug_sql(sql, params, use_last_executed_query=False, many=many):
            yield


@cache
def _numbered_cursor() -> type[Any]:
    """A server-binding cursor that takes the statement with ``$1, $2…`` placeholders
    (psycopg's ``RawCursor``), given it with ``%s`` as everywhere else: the conversion is
    cached here for every statement. psycopg caches its own only for statements under
    4 KB and 50 values, so a batch insert (100 rows of 5–20 columns) was parsed again
    on every run, which cost the worker more than the database spent on it."""
    import psycopg
    from django.db.backends.postgresql.base import CursorMixin  # type: ignore[attr-defined]

    class NumberedCursor(CursorMixin, psycopg.RawCursor):  # type: ignore[misc]
        def execute(self, query: str, params: Any = None, **kwargs: Any) -> Any:  # type: ignore[override]
            return super().execute(_numbered(query), params, **kwargs)

    return NumberedCursor


@lru_cache(maxsize=1024)
def _numbered(query: str) -> str:
    """``%s`` → ``$1``, ``$2``…; ``%%`` → ``%``."""
    parts = query.split("%%")
    n = 0
    out = []
    for part in parts:
        pieces = part.split("%s")
        numbered = pieces[0]
        for piece in pieces[1:]:
            n += 1
            numbered += f"${n}{piece}"
        out.append(numbered)
    return "%".join(out)


def prepared_statements() -> bool:
    return connection.settings_dict.get("OPTIONS", {}).get("prepare_threshold") is not None


@cache
def _fields(
    model: type[models.Model], names: tuple[str, ...]
) -> tuple[models.Field[Any, Any], ...]:
    return tuple(model._meta.get_field(name) for name in names)  # type: ignore[misc]


@cache
def insert_sql(
    model: type[models.Model],
    columns: tuple[str, ...],
    rows: int = 1,
    conflict: tuple[str, ...] = (),
    returning: tuple[str, ...] = (),
    skip_any_conflict: bool = False,
) -> str:
    """``INSERT`` of ``rows`` rows into ``model``'s table; with ``conflict``, a row that
    breaks that unique key is skipped (``ON CONFLICT (…) DO NOTHING``); with
    ``skip_any_conflict``, a row breaking any unique key (partial ones too)."""
    qn = connection.ops.quote_name
    fields = _fields(model, columns)
    names = ", ".join(qn(f.column) for f in fields)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = f"INSERT INTO {qn(model._meta.db_table)} ({names}) VALUES {', '.join([one] * rows)}"  # noqa: S608
    return sql + _tail(model, conflict, returning, skip_any_conflict)


def db_values(
    model: type[models.Model], columns: tuple[str, ...], rows: Iterable[Mapping[str, Any]]
) -> list[Any]:
    """The parameters for ``insert_sql``: each value as its field would save it."""
    return db_values_of_tuples(
        model, columns, (tuple(row[name] for name in columns) for row in rows)
    )


def db_values_of_tuples(
    model: type[models.Model], columns: tuple[str, ...], rows: Iterable[Sequence[Any]]
) -> list[Any]:
    """``db_values`` of rows given as tuples, in the order of ``columns``."""
    fields = _fields(model, columns)
    db = connections[connection.alias]  # the connection itself, not the proxy: ~10x cheaper
    fast = _fast(model, columns, db.vendor)
    params: list[Any] = []
    append = params.append
    for row in rows:
        for value, f, (kind, convert) in zip(row, fields, fast, strict=True):
            # A value of the type the column's fast path knows skips the field (the worker
            # writes ~200 values a message: search tokens, bands, audit events).
            if type(value) is kind:
                append(value if convert is None else convert(value))
            else:
                append(f.get_db_prep_save(value, db))
    return params


# Fields that write a value of exactly this type unchanged (``get_db_prep_save`` is the
# identity for it); subclasses (sealed fields) always go through the field.
_PLAIN_TYPES: dict[type[models.Field[Any, Any]], type] = {
    models.BigIntegerField: int,
    models.IntegerField: int,
    models.SmallIntegerField: int,
    models.PositiveIntegerField: int,
    models.PositiveSmallIntegerField: int,
    models.BooleanField: bool,
    models.CharField: str,
    models.TextField: str,
}


# Cached: a record's time is written with each of its rows (its duplicate bands, 8 a
# record), and converting costs more than looking up.
@lru_cache(maxsize=4096)
def _sqlite_datetime(value: datetime) -> str:
    """An aware datetime as Django's SQLite backend writes it: naive UTC, ``str()``."""
    if value.utcoffset() is None:
        raise ValueError("rawsql: a naive datetime has no fast path")  # never written here
    return str(value.astimezone(UTC).replace(tzinfo=None))


def _uuid_hex(value: uuid.UUID) -> str:
    return value.hex


Fast = tuple[type, Callable[[Any], Any] | None]


@cache
def _fast(model: type[models.Model], columns: tuple[str, ...], vendor: str) -> tuple[Fast, ...]:
    """Per column, the value type its fast path takes (``NoneType``: none, every value
    goes through the field) and how it converts it (``None``: written unchanged).
    ``tests/test_rawsql.py`` checks each against ``get_db_prep_save``."""
    found: list[Fast] = []
    for f in _fields(model, columns):
        target = f.target_field if f.is_relation else f  # type: ignore[attr-defined]
        kind = type(target)
        if kind is models.UUIDField:
            # PostgreSQL's native uuid column takes it as it is; SQLite stores the hex.
            found.append((uuid.UUID, None if vendor == "postgresql" else _uuid_hex))
        elif kind is models.DateTimeField and not f.is_relation:
            found.append((datetime, None if vendor == "postgresql" else _sqlite_datetime))
        else:
            found.append((_PLAIN_TYPES.get(kind, type(None)), None))
    return tuple(found)


# Rows per INSERT statement: the statement text repeats, so psycopg's cache of parsed
# queries is hit (a 1,000-row statement with 17,000 placeholders costs more to parse
# than to run).
CHUNK = 100


def insert(
    model: type[models.Model],
    rows: Sequence[Mapping[str, Any]],
    *,
    conflict: tuple[str, ...] = (),
    returning: tuple[str, ...] = (),
    skip_any_conflict: bool = False,
) -> list[tuple[Any, ...]]:
    """Insert ``rows`` (dicts with the same keys), ``CHUNK`` rows a statement; returns
    the ``returning`` columns of the rows written (a skipped conflict returns nothing)."""
    if not rows:
        return []
    columns = tuple(rows[0])
    return insert_tuples(
        model,
        columns,
        [tuple(row[name] for name in columns) for row in rows],
        conflict=conflict,
        returning=returning,
        skip_any_conflict=skip_any_conflict,
    )


def insert_tuples(
    model: type[models.Model],
    columns: tuple[str, ...],
    rows: Sequence[Sequence[Any]],
    *,
    conflict: tuple[str, ...] = (),
    returning: tuple[str, ...] = (),
    skip_any_conflict: bool = False,
) -> list[tuple[Any, ...]]:
    """``insert`` of rows given as tuples in the order of ``columns``: for the many
    narrow rows of a batch (search tokens, duplicate bands), no dict per row."""
    if not rows:
        return []
    written: list[tuple[Any, ...]] = []
    with cursor() as c:
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            sql = insert_sql(model, columns, len(chunk), conflict, returning, skip_any_conflict)
            c.execute(sql, db_values_of_tuples(model, columns, chunk))
            if returning:
                written.extend(c.fetchall())
    return written


def insert_objects(
    objects: Sequence[models.Model], *, skip_any_conflict: bool = False
) -> list[models.Model]:
    """Insert new model instances as ``bulk_create`` would — each field's ``pre_save``
    runs (``auto_now``, sealing of encrypted fields) — without the ORM's query
    compiler. For models whose primary key is set before insert (UUIDs). Returns the
    objects written: all of them, or with ``skip_any_conflict`` those that broke no
    unique key."""
    if not objects:
        return []
    model = type(objects[0])
    rows = [object_row(obj) for obj in objects]
    if skip_any_conflict:
        pk = model._meta.pk
        assert pk is not None
        returned = insert(model, rows, skip_any_conflict=True, returning=(pk.attname,))
        # As the database gives it back (a UUID is text on SQLite): read it as the field.
        ids = {pk.to_python(row[0]) for row in returned}
        written = [obj for obj in objects if obj.pk in ids]
    else:
        insert(model, rows)
        written = list(objects)
    for obj in written:
        obj._state.adding = False
        obj._state.db = connection.alias
    return written


def object_row(obj: models.Model) -> dict[str, Any]:
    """A new instance as the row ``insert`` writes: every concrete column, each field's
    ``pre_save`` run (``auto_now``, sealing)."""
    return {f.attname: f.pre_save(obj, True) for f in obj._meta.concrete_fields}


def delete_ids(model: type[models.Model], ids: Sequence[Any]) -> None:
    """Delete rows by primary key: one array parameter on PostgreSQL, not one each."""
    if connection.vendor != "postgresql":
        for start in range(0, len(ids), CHUNK):
            model._default_manager.filter(pk__in=ids[start : start + CHUNK]).delete()
        return
    qn = connection.ops.quote_name
    sql = f"DELETE FROM {qn(model._meta.db_table)} WHERE {qn(model._meta.pk.column)} = ANY(%s)"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(ids)])


@cache
def insert_select_sql(
    model: type[models.Model],
    columns: tuple[str, ...],
    source: str,
    computed: tuple[tuple[str, str], ...] = (),
    conflict: tuple[str, ...] = (),
    returning: tuple[str, ...] = (),
    skip_any_conflict: bool = False,
) -> str:
    """PostgreSQL: ``INSERT INTO table (…) SELECT …, computed… FROM source`` — one row
    per row of ``source`` (a CTE), for chaining inserts in a single statement.
    Parameters are cast to their column's type (a bare literal in a SELECT list would
    be read as text); ``computed`` pairs a column with an SQL expression over source.
    ``skip_any_conflict``: a row breaking any unique key is skipped (partial ones too)."""
    qn = connection.ops.quote_name
    fields = _fields(model, columns)
    extra = _fields(model, tuple(name for name, _ in computed))
    names = ", ".join(qn(f.column) for f in (*fields, *extra))
    values = [f"%s::{_cast(f)}" for f in fields]
    values += [expression for _, expression in computed]
    sql = (
        f"INSERT INTO {qn(model._meta.db_table)} ({names}) SELECT {', '.join(values)} FROM {source}"  # noqa: S608
    )
    return sql + _tail(model, conflict, returning, skip_any_conflict)


def _cast(field: models.Field[Any, Any]) -> str:
    """The type to cast a parameter to: the column's, but text for a varchar(n) — an
    explicit cast to varchar(n) would cut a long value silently, where an assignment to
    the column refuses it."""
    db_type = str(field.db_type(connection))
    return "text" if db_type.startswith("varchar(") else db_type


def _tail(
    model: type[models.Model],
    conflict: tuple[str, ...],
    returning: tuple[str, ...],
    skip_any_conflict: bool,
) -> str:
    qn = connection.ops.quote_name
    sql = ""
    if conflict:
        keys = ", ".join(qn(f.column) for f in _fields(model, conflict))
        sql += f" ON CONFLICT ({keys}) DO NOTHING"
    elif skip_any_conflict:
        sql += " ON CONFLICT DO NOTHING"
    if returning:
        sql += " RETURNING " + ", ".join(qn(f.column) for f in _fields(model, returning))
    return sql
