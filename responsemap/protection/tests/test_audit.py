from __future__ import annotations

import uuid
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from responsemap.projects.models import Project
from responsemap.protection.audit import (
    chain_for,
    event_details,
    purge_project_chain,
    record_event,
    verify_chain,
)
from responsemap.protection.keyring import crypto_shred_project
from responsemap.protection.models import AuditEvent
from responsemap.testing_db import behind_the_apps_back

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(project: Project) -> tuple[uuid.UUID, str]:
    """A project's chain: chain.start (1), project.create (2), five views (3 to 7)."""
    project_id = uuid.UUID(str(project.pk))
    for n in range(5):
        record_event(
            "feedback.view",
            project_id=project_id,
            object_type="feedback",
            object_id=n,
            fields=["content"],
            reason=f"reason {n}",
        )
    return project_id, chain_for(project_id)


def tamper(sql: str, params: list[Any]) -> None:
    """Write to the audit table behind the application's back (as an attacker would)."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            behind_the_apps_back(cursor)  # the owner, triggers off
        cursor.execute(sql, params)


def test_intact_chain_verifies(chain: tuple[uuid.UUID, str]) -> None:
    assert verify_chain(chain[1]) is None
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert "intact" in out.getvalue()


def test_events_hold_field_names_not_values(chain: tuple[uuid.UUID, str]) -> None:
    event = AuditEvent.objects.get(chain=chain[1], seq=3)
    (details,) = event_details([event])
    assert details.fields == ["content"]
    assert details.reason == "reason 0"
    assert AuditEvent.objects.get(chain=chain[1], seq=1).prev_hash == "0" * 64


def test_edit_is_detected(chain: tuple[uuid.UUID, str]) -> None:
    third = AuditEvent.objects.get(chain=chain[1], seq=5)
    tamper("UPDATE protection_auditevent SET reason = %s WHERE id = %s", ["nothing", third.pk])
    problem = verify_chain(chain[1])
    assert problem is not None
    assert problem.event_id == third.pk
    assert "altered" in problem.problem


def test_delete_in_the_middle_is_detected(chain: tuple[uuid.UUID, str]) -> None:
    second = AuditEvent.objects.get(chain=chain[1], seq=4)
    tamper("DELETE FROM protection_auditevent WHERE id = %s", [second.pk])
    problem = verify_chain(chain[1])
    assert problem is not None
    assert problem.seq == 5
    assert "deleted" in problem.problem


def test_delete_of_the_tail_is_detected(chain: tuple[uuid.UUID, str]) -> None:
    last = AuditEvent.objects.get(chain=chain[1], seq=7)
    tamper("DELETE FROM protection_auditevent WHERE id = %s", [last.pk])
    problem = verify_chain(chain[1])
    assert problem is not None
    assert "head says 7 events but the chain has 6" in problem.problem


def test_reorder_is_detected(chain: tuple[uuid.UUID, str]) -> None:
    a = AuditEvent.objects.get(chain=chain[1], seq=4)
    b = AuditEvent.objects.get(chain=chain[1], seq=6)
    tamper("UPDATE protection_auditevent SET seq = %s WHERE id = %s", [1000, a.pk])
    tamper("UPDATE protection_auditevent SET seq = %s WHERE id = %s", [4, b.pk])
    tamper("UPDATE protection_auditevent SET seq = %s WHERE id = %s", [6, a.pk])
    problem = verify_chain(chain[1])
    assert problem is not None
    assert problem.event_id == b.pk
    assert "reordered" in problem.problem


def test_insert_is_detected(chain: tuple[uuid.UUID, str]) -> None:
    tamper(
        "UPDATE protection_auditevent SET seq = seq + 10 WHERE chain = %s AND seq >= 5", [chain[1]]
    )
    fake = AuditEvent.objects.get(chain=chain[1], seq=4)
    tamper(
        "INSERT INTO protection_auditevent (chain, seq, project_id, created_at, actor_label, role,"
        " action, object_type, object_id, fields, reason, purpose, request_id, prev_hash, hash)"
        " SELECT chain, 5, project_id, created_at, actor_label, role, 'feedback.create',"
        " object_type, object_id, fields, reason, purpose, request_id, hash, hash"
        " FROM protection_auditevent WHERE id = %s",
        [fake.pk],
    )
    assert verify_chain(chain[1]) is not None


def test_verify_audit_exits_non_zero_and_names_the_event(chain: tuple[uuid.UUID, str]) -> None:
    third = AuditEvent.objects.get(chain=chain[1], seq=5)
    tamper("UPDATE protection_auditevent SET actor_label = %s WHERE id = %s", ["x", third.pk])
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_audit", stderr=err)
    assert f"event id={third.pk} seq=5" in err.getvalue()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_postgres_refuses_update_and_delete(chain: tuple[uuid.UUID, str]) -> None:
    event = AuditEvent.objects.filter(chain=chain[1]).first()
    assert event is not None
    for statement in (
        "UPDATE protection_auditevent SET reason = 'x' WHERE id = %s",
        "DELETE FROM protection_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only|permission denied"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [event.pk])


def test_purging_a_destroyed_projects_chain_is_recorded(chain: tuple[uuid.UUID, str]) -> None:
    project_id, name = chain
    with pytest.raises(ValueError, match="not destroyed"):
        purge_project_chain(project_id, reason="project destroyed")
    crypto_shred_project(project_id)
    summary = purge_project_chain(project_id, reason="project destroyed")
    assert summary["seq"] == 7
    assert not AuditEvent.objects.filter(chain=name).exists()
    assert verify_chain(name) is None
    system = AuditEvent.objects.filter(chain="system", action="audit.chain_purged").last()
    assert system is not None
    assert summary["final_hash"] in system.reason
    assert verify_chain("system") is None
