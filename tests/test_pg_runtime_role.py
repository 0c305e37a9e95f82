"""The application's own PostgreSQL role against its audit log (issue 9; ADR 0007).

On PostgreSQL the running application connects as a role that does not own the tables
(``protection.dbroles``, migration 0007, docs/deploy.md "Database roles"). Each attack
below is made by a connection that *logs in* as that role (so it can't ``RESET ROLE``
to anyone else), on committed rows, and each is refused. CI's PostgreSQL leg sets
``RESPONSEMAP_TEST_RUNTIME_ROLE``, so the rest of the suite runs as that role too: the
application still does everything it needs with no more than these privileges.

On SQLite there are no roles: the file is the database and whoever can write it can
rewrite it, so the attacks there are edits of the file, each detected by
``verify_audit`` (``protection/tests/test_audit_proof.py``). What both databases share,
the rules of a purge, is tested here on both.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from responsemap.accounts.models import User
from responsemap.accounts.queries import viewer_for
from responsemap.projects.models import Project
from responsemap.protection.audit import (
    chain_for,
    deferred_chaining,
    purge_project_chain,
    record_event,
    sequence_pending,
    verify_chain,
)
from responsemap.protection.dbroles import table_privileges
from responsemap.protection.keyring import crypto_shred_project
from responsemap.protection.listing import record_listing
from responsemap.protection.models import (
    AuditChainHead,
    AuditEvent,
    AuditListing,
    AuditPending,
    DestroyedProject,
)
from responsemap.protection.present import present, present_many
from responsemap.testing_db import behind_the_apps_back, runtime_role
from responsemap.triage.models import Feedback

pytestmark = pytest.mark.django_db(transaction=True)
on_postgresql = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="roles and privileges are PostgreSQL's (SQLite: protection/tests/test_audit_proof.py)",
)
as_runtime_role = pytest.mark.skipif(
    not runtime_role(),
    reason="needs RESPONSEMAP_TEST_RUNTIME_ROLE (CI's PostgreSQL leg sets it)",
)
AUDIT_TABLES = [
    m._meta.db_table
    for m in (AuditEvent, AuditListing, AuditPending, AuditChainHead, DestroyedProject)
]


@pytest.fixture
def app_login() -> Iterator[psycopg.Connection[Any]]:
    """A connection that logs in as the application's role, as the running app does."""
    s = connection.settings_dict
    with psycopg.connect(
        dbname=s["NAME"],
        user=runtime_role(),
        host=s.get("HOST") or None,
        port=s.get("PORT") or None,
        connect_timeout=5,
    ) as db:
        yield db


def as_owner(sql: str, params: Any = None) -> None:
    """Run ``sql`` as the login role (the tables' owner), triggers on, rolled back if
    it fails."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL ROLE NONE")
        cursor.execute(sql, params)


def refused(db: psycopg.Connection[Any], sql: str, params: Any = None) -> str:
    """Run ``sql`` as the app's login; it must fail. Returns the database's reason."""
    with pytest.raises(psycopg.Error) as caught:
        db.execute(sql, params)
    db.rollback()
    return str(caught.value)


def events(project: Project, count: int) -> str:
    for n in range(count):
        record_event("feedback.view", project_id=project.pk, object_type="feedback", object_id=n)
    return chain_for(project.pk)


def length(chain: str) -> int:
    return AuditEvent.objects.filter(chain=chain).count()


def listing(project: Project, personas: dict[str, User], feedback: Feedback) -> AuditEvent:
    viewer = viewer_for(personas["officer"], project.pk)
    assert viewer is not None
    shown = present_many([feedback], viewer, "inbox")
    return record_listing(viewer, "feedback", shown, purpose="inbox")


# PostgreSQL, as a login of the application's role ------------------------------------


@on_postgresql
@as_runtime_role
def test_the_app_role_owns_nothing_and_has_only_what_it_needs() -> None:
    role = runtime_role()
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, session_user")
        current, session = cursor.fetchone()
        assert current == role != session  # the suite runs as the app's role
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND pg_get_userbyid(c.relowner) = %s",
            [role],
        )
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT has_schema_privilege(%s, current_schema(), 'CREATE')", [role])
        assert cursor.fetchone()[0] is False
    expected = {
        "protection_auditevent": {"SELECT", "INSERT"},
        "protection_auditlisting": {"SELECT", "INSERT"},
        "protection_destroyedproject": {"SELECT", "INSERT"},
        # UPDATE of the id column alone, for SELECT … FOR UPDATE; the trigger refuses it
        "protection_auditpending": {"SELECT", "INSERT"},
        "protection_auditchainhead": {"SELECT", "INSERT", "UPDATE"},
        "django_migrations": {"SELECT"},
        "triage_feedback": {"SELECT", "INSERT", "UPDATE", "DELETE"},
    }
    for table, kinds in expected.items():
        assert table_privileges(connection, role, table) == kinds, table


@on_postgresql
@as_runtime_role
def test_no_session_setting_opens_a_purge(
    project: Project, app_login: psycopg.Connection[Any]
) -> None:
    chain = events(project, 3)
    before = length(chain)
    for setting, table in [
        ("responsemap.audit_purge", "protection_auditevent"),
        ("responsemap.audit_purge", "protection_auditlisting"),
        ("responsemap.audit_purge", "protection_auditchainhead"),
        ("responsemap.audit_sequence", "protection_auditpending"),
    ]:
        app_login.execute(f"SET LOCAL {setting} = 'on'")
        reason = refused(app_login, f"DELETE FROM {table}")  # noqa: S608
        assert "permission denied" in reason
    assert length(chain) == before
    assert verify_chain(chain) is None


@on_postgresql
@as_runtime_role
def test_events_listings_and_destruction_records_are_never_changed(
    project: Project,
    personas: dict[str, User],
    make_feedback: Callable[..., Feedback],
    app_login: psycopg.Connection[Any],
) -> None:
    event = listing(project, personas, make_feedback("m1"))
    DestroyedProject.objects.create(project_id=uuid.uuid4(), destroyed_at=event.created_at)
    for sql in [
        "UPDATE protection_auditevent SET action = 'feedback.view'",
        "DELETE FROM protection_auditevent",
        "UPDATE protection_auditlisting SET object_id = 'x'",
        "DELETE FROM protection_auditlisting",
        "UPDATE protection_destroyedproject SET destroyed_at = now()",
        "DELETE FROM protection_destroyedproject",
        "UPDATE protection_auditpending SET reason = 'x'",
    ]:
        assert "permission denied" in refused(app_login, sql), sql
    assert AuditListing.objects.filter(event__chain=event.chain, event__seq=event.seq).exists()


@on_postgresql
@as_runtime_role
def test_truncate_is_refused_to_the_app_and_by_trigger_to_the_owner(
    project: Project, app_login: psycopg.Connection[Any]
) -> None:
    events(project, 1)
    for table in AUDIT_TABLES:
        assert "permission denied" in refused(app_login, f"TRUNCATE {table} CASCADE"), table
    for table in AUDIT_TABLES:  # the owner, triggers on: the BEFORE TRUNCATE trigger
        with pytest.raises(DatabaseError, match="TRUNCATE on .* refused"):
            as_owner(f"TRUNCATE {table} CASCADE")
    assert AuditEvent.objects.exists()


@on_postgresql
@as_runtime_role
def test_the_app_cannot_drop_alter_or_disable_the_guards(
    app_login: psycopg.Connection[Any],
) -> None:
    for sql in [
        "DROP TABLE protection_auditevent CASCADE",
        "ALTER TABLE protection_auditevent DISABLE TRIGGER ALL",
        "ALTER TABLE protection_auditevent DISABLE TRIGGER protection_auditevent_guard",
        "DROP TRIGGER protection_auditchainhead_guard ON protection_auditchainhead",
        "ALTER TABLE protection_auditchainhead ALTER COLUMN seq DROP NOT NULL",
        "DROP FUNCTION responsemap_purge_chain(uuid)",
        "CREATE OR REPLACE FUNCTION responsemap_audit_event_guard() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$",
    ]:
        assert re.search("must be owner|permission denied", refused(app_login, sql)), sql
    assert "permission denied" in refused(
        app_login, "SET session_replication_role = replica"
    )  # triggers off: a superuser's switch
    assert "permission denied" in refused(app_login, "CREATE TABLE protection_x (id int)")


@on_postgresql
@as_runtime_role
def test_a_head_only_moves_forwards_and_is_never_deleted(
    project: Project, app_login: psycopg.Connection[Any]
) -> None:
    chain = events(project, 3)
    seq = AuditChainHead.objects.get(chain=chain).seq
    for sql in [
        "UPDATE protection_auditchainhead SET seq = seq - 1 WHERE chain = %s",
        "UPDATE protection_auditchainhead SET hash = repeat('0', 64) WHERE chain = %s",
        "UPDATE protection_auditchainhead SET chain = 'project:x' WHERE chain = %s",
    ]:
        assert "only moves forwards" in refused(app_login, sql, [chain]), sql
    reason = refused(app_login, "DELETE FROM protection_auditchainhead WHERE chain = %s", [chain])
    assert "permission denied" in reason
    assert AuditChainHead.objects.get(chain=chain).seq == seq == length(chain)
    events(project, 1)  # the application still moves it forwards
    assert AuditChainHead.objects.get(chain=chain).seq == seq + 1
    assert verify_chain(chain) is None


@on_postgresql
@as_runtime_role
def test_pending_events_leave_only_once_chained(
    project: Project, app_login: psycopg.Connection[Any]
) -> None:
    with deferred_chaining():
        record_event("message.receive", project_id=project.pk, object_id="m1", fields=["text"])
    (waiting,) = AuditPending.objects.all()
    removed = app_login.execute(
        "SELECT responsemap_delete_chained_pending(%s::bigint[])", [[waiting.pk]]
    ).fetchone()
    app_login.commit()
    assert removed == (0,)  # not in the chain yet: it stays
    assert AuditPending.objects.filter(pk=waiting.pk).exists()

    assert sequence_pending() == 1  # the sequencer, as the app's role: chained, then gone
    assert not AuditPending.objects.exists()
    chained = AuditEvent.objects.get(action="message.receive")
    assert chained.uid == waiting.uid
    assert verify_chain(chain_for(project.pk)) is None


@on_postgresql
@as_runtime_role
def test_the_purge_function_refuses_a_project_whose_key_is_not_destroyed(
    project: Project, app_login: psycopg.Connection[Any]
) -> None:
    chain = events(project, 2)
    before = length(chain)
    reason = refused(app_login, "SELECT responsemap_purge_chain(%s::uuid)", [str(project.pk)])
    assert "has no destruction record" in reason
    # A destruction record alone is not enough: the system chain must hold the purge.
    app_login.execute(
        "INSERT INTO protection_destroyedproject (project_id, destroyed_at) VALUES (%s, now())",
        [project.pk],
    )
    reason = refused(app_login, "SELECT responsemap_purge_chain(%s::uuid)", [str(project.pk)])
    assert "the system chain must record the purge" in reason
    assert length(chain) == before


@on_postgresql
@as_runtime_role
def test_what_the_app_needs_works_as_its_role(
    project: Project,
    personas: dict[str, User],
    make_feedback: Callable[..., Feedback],
) -> None:
    feedback = make_feedback("Il faut de l'eau au camp")
    officer = viewer_for(personas["officer"], project.pk)
    assert officer is not None
    with deferred_chaining():  # an inbound message's receipt, chained by the sequencer
        record_event("message.receive", project_id=project.pk, object_id="m1", fields=["text"])
    assert sequence_pending() == 1
    shown = present(feedback, officer, "test", reveal=["content"], reason="follow-up")
    assert shown["content"].value == "Il faut de l'eau au camp"  # a reveal, audited
    listing(project, personas, feedback)  # a page listed, with its listing rows
    chain = chain_for(project.pk)
    assert AuditEvent.objects.filter(chain=chain, action="field.reveal").exists()
    assert verify_chain(chain) is None

    crypto_shred_project(project.pk)  # then the project's end: shred, purge
    summary = purge_project_chain(project.pk, reason="project destroyed")
    assert not AuditEvent.objects.filter(chain=chain).exists()
    assert not AuditListing.objects.filter(event__chain=chain).exists()
    assert not AuditChainHead.objects.filter(chain=chain).exists()
    record = AuditEvent.objects.get(chain="system", action="audit.chain_purged")
    assert record.object_id == str(project.pk)
    assert summary["final_hash"] in record.reason
    assert verify_chain("system") is None


# Both databases ----------------------------------------------------------------------


def test_a_live_projects_chain_is_never_purged(project: Project) -> None:
    chain = events(project, 2)
    before = length(chain)
    with pytest.raises(ValueError, match="not destroyed"):
        purge_project_chain(project.pk, reason="project destroyed")
    assert length(chain) == before
    assert not DestroyedProject.objects.exists()
    assert verify_chain(chain) is None


def test_a_purge_leaves_the_system_chain_and_other_projects_whole(
    project: Project, other_project: Project
) -> None:
    doomed, kept = events(project, 2), events(other_project, 2)
    before = length(kept)
    crypto_shred_project(project.pk)
    purge_project_chain(project.pk, reason="project destroyed")
    assert not AuditEvent.objects.filter(chain=doomed).exists()
    assert length(kept) == before
    assert DestroyedProject.objects.filter(project_id=project.pk).exists()
    assert AuditEvent.objects.filter(chain="system", action="audit.chain_purged").count() == 1
    assert verify_chain(kept) is None
    assert verify_chain("system") is None


@on_postgresql
def test_the_owner_too_deletes_only_a_destroyed_projects_rows(project: Project) -> None:
    """The triggers hold against the owner's own mistakes (not its will: it can drop
    them, which the head MAC and the witness are for)."""
    chain = events(project, 2)
    before = length(chain)
    for sql, match in [
        ("DELETE FROM protection_auditevent WHERE chain = %s", "append-only"),
        ("DELETE FROM protection_auditchainhead WHERE chain = %s", "never deleted"),
        ("UPDATE protection_auditchainhead SET seq = 1 WHERE chain = %s", "only moves forwards"),
    ]:
        with pytest.raises(DatabaseError, match=match):
            as_owner(sql, [chain])
    with transaction.atomic(), connection.cursor() as cursor:
        behind_the_apps_back(cursor)  # triggers off: what the MAC and the witness are for
        cursor.execute("SELECT count(*) FROM protection_auditevent WHERE chain = %s", [chain])
        assert cursor.fetchone()[0] == before
