"""The duplicate check of an import (keys already stored) reads the unique index on
(project, source, provider_message_id), on SQLite and on PostgreSQL, for one key as
for a batch of 500."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from responsemap.accounts.models import User
from responsemap.accounts.queries import viewer_for
from responsemap.imports.feedback_rows import UNIQUE_KEY_INDEX, FeedbackRowSink
from responsemap.imports.mapping import Mapping, parse_rows
from responsemap.imports.reader import Table
from responsemap.projects.models import Project

pytestmark = pytest.mark.django_db


def plan(project: Project, count: int) -> str:
    sink = FeedbackRowSink(project)
    keys = [f"k:{n:040d}" for n in range(count)]
    if connection.vendor == "sqlite":
        return sink.imported_query(keys).values_list("provider_message_id", flat=True).explain()
    query = sink.imported_query(keys).values_list("provider_message_id", flat=True)
    sql, params = query.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        # An empty table is read whole whatever its indexes, and with no statistics any
        # index on the project looks as good as another (which one the planner takes then
        # depends on what earlier tests left in the table's pages). So ask whether the
        # unique index can serve the query at all: on a scratch copy of the table (the
        # application's role may not drop the table's own indexes) holding that index
        # alone, under the same name.
        cursor.execute("CREATE TEMP TABLE feedback_copy (LIKE triage_feedback INCLUDING INDEXES)")
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = 'feedback_copy'::regclass AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"
        )  # the primary key and unique constraints stay: no condition of the query uses them
        for name, definition in cursor.fetchall():
            if "UNIQUE" in definition and "provider_message_id" in definition:
                cursor.execute(f'ALTER INDEX "{name}" RENAME TO "{UNIQUE_KEY_INDEX}"')
            else:
                cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql.replace('"triage_feedback"', "feedback_copy"), params)
        found = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)  # the copy goes with the savepoint
        return found


@pytest.mark.parametrize("count", [1, 20, 500])
def test_the_duplicate_check_reads_the_unique_index(project: Project, count: int) -> None:
    found = plan(project, count)
    print(f"\n{connection.vendor}, {count} keys:\n{found[:300]}")
    assert UNIQUE_KEY_INDEX in found


def test_keys_stored_are_found(project: Project, personas: dict[str, User]) -> None:
    actor = viewer_for(personas["officer"], project.pk)
    assert actor is not None
    sink = FeedbackRowSink(project)
    table = Table(
        headers=["message", "_uuid", "_submission_time"],
        rows=[(2, ["Water point broken", "u-1", "2024-03-14T09:36:52"])],
    )
    row = parse_rows(project, table, Mapping(columns={"content": 0, "key": 1, "received_at": 2}))[0]
    assert sink.already_imported([row.key]) == set()
    assert sink.store(row, actor)
    assert sink.already_imported([row.key, "k:other"]) == {row.key}
