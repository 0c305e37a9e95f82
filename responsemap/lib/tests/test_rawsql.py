"""Plain-SQL inserts write what the ORM would, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import DataError, connection, transaction
from django.utils import timezone

from responsemap.intake.channels.actions import do_create_channel
from responsemap.intake.channels.models import Channel
from responsemap.intake.messages.models import InboundMessage
from responsemap.lib import rawsql
from responsemap.projects.models import Project
from responsemap.protection.models import AuditPending
from responsemap.protection.present import open_for_system

pytestmark = pytest.mark.django_db
KEY = ("channel_id", "provider_message_id")


@pytest.fixture
def channel(project: Project) -> Channel:
    return do_create_channel(project_id=project.pk, kind="webhook", name="relay")


def message_row(channel: Channel, provider_id: str, text: str = "Dlo koupe") -> dict[str, Any]:
    message = InboundMessage(
        id=uuid.uuid4(),
        project_id=channel.project_id,
        channel_id=channel.pk,
        provider_message_id=provider_id,
        sent_at=datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC),
        received_at=timezone.now(),
        meta={"gateway": "relay", "parts": [1, 2], "note": "é ت"},
    )
    message.text = text
    columns = ("id", "project_id", "channel_id", "provider_message_id", "kind", "state")
    row = {name: getattr(message, name) for name in columns}
    row |= {"sent_at": message.sent_at, "received_at": message.received_at, "meta": message.meta}
    row["text"] = InboundMessage._meta.get_field("text").pre_save(message, add=True)
    return row


def pending_row(action: str) -> dict[str, Any]:
    """A row of a table with an auto-increment id (every column given: Django leaves
    defaults to Python, not to the database)."""
    fields = AuditPending._meta.concrete_fields
    row = {f.name: f.get_default() for f in fields if not f.primary_key}
    return row | {"chain": "system", "created_at": timezone.now(), "action": action}


def test_insert_returns_the_new_ids() -> None:
    rows = [pending_row(f"a{n}") for n in range(3)]
    returned = rawsql.insert(AuditPending, rows, returning=("id", "action"))
    stored = list(AuditPending.objects.order_by("id").values_list("id", "action"))
    assert sorted(returned) == stored
    assert [action for _, action in stored] == ["a0", "a1", "a2"]


def test_many_rows_all_come_back() -> None:
    rows = [pending_row(f"a{n}") for n in range(250)]
    returned = rawsql.insert(AuditPending, rows, returning=("id",))
    assert len(returned) == 250
    assert sorted(pk for (pk,) in returned) == list(
        AuditPending.objects.order_by("id").values_list("id", flat=True)
    )


def test_insert_without_rows_writes_nothing() -> None:
    assert rawsql.insert(AuditPending, [], returning=("id",)) == []
    assert not AuditPending.objects.exists()


def test_conflict_is_skipped_silently(channel: Channel) -> None:
    first = message_row(channel, "m1")
    (stored,) = rawsql.insert(InboundMessage, [first], conflict=KEY, returning=("id",))
    assert uuid.UUID(str(stored[0])) == first["id"]

    again = message_row(channel, "m1", text="another text")
    assert rawsql.insert(InboundMessage, [again], conflict=KEY, returning=("id",)) == []
    assert list(InboundMessage.objects.values_list("id", flat=True)) == [first["id"]]


def test_values_read_back_through_the_orm_as_written(channel: Channel) -> None:
    row = message_row(channel, "m1", text="Bonjou, nou bezwen dlo")
    rawsql.insert(InboundMessage, [row])

    message = InboundMessage.objects.get()
    assert message.pk == row["id"]
    assert message.project_id == row["project_id"]
    assert message.sent_at == row["sent_at"]
    assert message.received_at == row["received_at"]
    assert message.meta == row["meta"]
    assert message.state == InboundMessage.State.RECEIVED
    assert open_for_system(message, "text", purpose="test") == "Bonjou, nou bezwen dlo"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="INSERT … SELECT is PostgreSQL's")
def test_insert_select_refuses_a_value_too_long_for_its_column(channel: Channel) -> None:
    """Parameters go through text, not varchar(n), so a long one fails instead of being
    cut short."""
    row = message_row(channel, "x" * 129)
    columns = tuple(row)
    sql = rawsql.insert_select_sql(InboundMessage, columns, "(SELECT 1) AS one")
    params = rawsql.db_values(InboundMessage, columns, [row])
    with pytest.raises(DataError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
    assert not InboundMessage.objects.exists()


def test_insert_objects_runs_each_fields_pre_save(project: Project) -> None:
    from responsemap.triage.models import Feedback

    made = [Feedback(project=project, source="sms", received_at=timezone.now()) for _ in range(3)]
    for n, feedback in enumerate(made):
        feedback.content = f"Pa gen dlo {n}"
    rawsql.insert_objects(made)

    stored = {f.pk: f for f in Feedback.objects.filter(project=project)}
    assert set(stored) == {f.pk for f in made}
    for n, feedback in enumerate(made):
        again = stored[feedback.pk]
        assert again.created_at is not None  # auto_now_add
        assert again.updated_at is not None  # auto_now
        assert again.reference == feedback.reference  # the default made at init
        assert open_for_system(again, "content", purpose="test") == f"Pa gen dlo {n}"
        assert not feedback._state.adding


POSTGRESQL = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)


@POSTGRESQL
def test_hot_statements_are_prepared_once_per_connection(channel: Channel) -> None:
    assert rawsql.prepared_statements()  # on by default (settings)
    for n in range(3):
        rawsql.insert(InboundMessage, [message_row(channel, f"m{n}")], conflict=KEY)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ['INSERT INTO "intake_inboundmessage"%'],
        )
        assert cursor.fetchone()[0] == 1
    assert InboundMessage.objects.count() == 3


@POSTGRESQL
def test_a_prepared_statement_fails_with_djangos_errors_and_is_seen_by_wrappers(
    channel: Channel,
) -> None:
    """The views answer 503 on Django's database errors: a prepared statement must raise
    those, not psycopg's; and query capture (tests, debug) must see it."""
    from django.db import IntegrityError
    from django.test.utils import CaptureQueriesContext

    row = message_row(channel, "m1")
    with CaptureQueriesContext(connection) as queries:
        rawsql.insert(InboundMessage, [row])
    assert len(queries) == 1  # its text isn't recorded: Django reads it off client cursors
    with pytest.raises(IntegrityError), transaction.atomic():
        rawsql.insert(InboundMessage, [row])  # the same id again, no ON CONFLICT


def test_without_prepared_statements_an_ordinary_cursor(channel: Channel) -> None:
    original = connection.settings_dict["OPTIONS"]
    options = {k: v for k, v in original.items() if k != "prepare_threshold"}
    connection.settings_dict["OPTIONS"] = options
    try:
        assert not rawsql.prepared_statements()
        with rawsql.cursor() as cursor:
            assert type(cursor.cursor) is type(connection.cursor().cursor)
        rawsql.insert(InboundMessage, [message_row(channel, "m1")])
    finally:
        connection.settings_dict["OPTIONS"] = original
    assert InboundMessage.objects.count() == 1


SAMPLES: dict[type, list[Any]] = {
    uuid.UUID: [uuid.UUID("0f6e2c1a-8d4b-4c7e-9a35-1b2c3d4e5f60"), uuid.uuid4()],
    datetime: [
        datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC),
        datetime(2026, 3, 1, 12, 30, tzinfo=UTC),  # no microseconds: str() drops them too
        datetime.fromisoformat("2026-03-01T23:30:00.5+05:30"),  # another offset: to UTC
    ],
    int: [0, -(2**63), 2**40],
    bool: [True, False],
    str: ["", "é ت"],
}


def test_every_fast_path_writes_what_the_field_would() -> None:
    """Each column's fast path (``rawsql._fast``) gives exactly what the field's own
    ``get_db_prep_save`` gives, for every concrete field of every model, on this database."""
    from django.apps import apps

    checked = 0
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            columns = (field.attname,)
            ((kind, _convert),) = rawsql._fast(model, columns, connection.vendor)
            for value in SAMPLES.get(kind, []):
                fast = rawsql.db_values(model, columns, [{field.attname: value}])
                assert fast == [field.get_db_prep_save(value, connection)], (model, field)
                checked += 1
    assert checked > 500
