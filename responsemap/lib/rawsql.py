"""Plain-SQL inserts for the few paths where the ORM's per-statement cost shows.

The inbound receipt and the audit append run on every message a gateway posts; building
a query through the ORM costs ~0.3 ms of CPU a statement there, more than the database
spends on it. These helpers build the statement once per (model, columns) and prepare
values with the model fields' own ``get_db_prep_save``, so types come out as the ORM
would write them, on SQLite and PostgreSQL alike (both support ``ON CONFLICT … DO
NOTHING`` and ``RETURNING``). Everything else uses the ORM.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any

from django.db import connection, models


@cache
def _fields(model: type[models.Model], names: tuple[str, ...]) -> tuple[models.Field, ...]:
    return tuple(model._meta.get_field(name) for name in names)  # type: ignore[misc]


@cache
def insert_sql(
    model: type[models.Model],
    columns: tuple[str, ...],
    rows: int = 1,
    conflict: tuple[str, ...] = (),
    returning: tuple[str, ...] = (),
) -> str:
    """``INSERT`` of ``rows`` rows into ``model``'s table; with ``conflict``, a row that
    breaks that unique key is skipped (``ON CONFLICT (…) DO NOTHING``)."""
    qn = connection.ops.quote_name
    fields = _fields(model, columns)
    names = ", ".join(qn(f.column) for f in fields)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = f"INSERT INTO {qn(model._meta.db_table)} ({names}) VALUES {', '.join([one] * rows)}"  # noqa: S608
    if conflict:
        keys = ", ".join(qn(f.column) for f in _fields(model, conflict))
        sql += f" ON CONFLICT ({keys}) DO NOTHING"
    if returning:
        sql += " RETURNING " + ", ".join(qn(f.column) for f in _fields(model, returning))
    return sql


def prepared(
    model: type[models.Model], columns: tuple[str, ...], rows: Iterable[Mapping[str, Any]]
) -> list[Any]:
    """The parameters for ``insert_sql``: each value as its field would save it."""
    fields = _fields(model, columns)
    params: list[Any] = []
    for row in rows:
        params.extend(
            f.get_db_prep_save(row[name], connection)
            for f, name in zip(fields, columns, strict=True)
        )
    return params


def insert(
    model: type[models.Model],
    rows: Sequence[Mapping[str, Any]],
    *,
    conflict: tuple[str, ...] = (),
    returning: tuple[str, ...] = (),
) -> list[tuple[Any, ...]]:
    """Insert ``rows`` (dicts with the same keys) in one statement; returns the
    ``returning`` columns of the rows written (a skipped conflict returns nothing)."""
    if not rows:
        return []
    columns = tuple(rows[0])
    sql = insert_sql(model, columns, len(rows), conflict, returning)
    with connection.cursor() as cursor:
        cursor.execute(sql, prepared(model, columns, rows))
        return cursor.fetchall() if returning else []
