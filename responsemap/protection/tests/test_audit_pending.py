"""Pending audit events: written sealed on hot paths, chained later by the sweep."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from responsemap.lib.clock import FakeClock
from responsemap.protection.audit import (
    chain_for,
    deferred_chaining,
    purge_project_chain,
    record_event,
    sequence_pending,
    verify_chain,
    verify_pending,
)
from responsemap.protection.keyring import crypto_shred_project
from responsemap.protection.models import AuditEvent, AuditPending
from responsemap.testing import make_project
from responsemap.testing_db import behind_the_apps_back

pytestmark = pytest.mark.django_db
_slugs = itertools.count()


def new_project() -> uuid.UUID:
    """A real project: its key seals the events' details, its chain opens with
    ``chain.start`` (seq 1)."""
    return uuid.UUID(str(make_project(f"pending-{next(_slugs)}").pk))


only_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the guard trigger is PostgreSQL's"
)


def record_pending(project_id: uuid.UUID, count: int) -> list[AuditPending]:
    with deferred_chaining():
        for n in range(1, count + 1):
            record_event("message.receive", project_id=project_id, object_id=n, fields=["text"])
    return list(AuditPending.objects.filter(chain=chain_for(project_id)).order_by("id"))


def tamper_pending(pk: int, reason: str) -> None:
    """Change a pending row behind the application's back (on PostgreSQL as a superuser
    who turns triggers off, as an attacker with that power would)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                behind_the_apps_back(cursor)
        AuditPending.objects.filter(pk=pk).update(reason=reason)


def test_deferred_events_wait_outside_the_chain() -> None:
    project_id = new_project()
    pending = record_pending(project_id, 3)
    assert [p.object_id for p in pending] == ["1", "2", "3"]
    assert not AuditEvent.objects.filter(chain=chain_for(project_id), action="message.receive")
    assert verify_pending() == []


def test_record_event_chains_again_after_the_block() -> None:
    project_id = new_project()
    record_pending(project_id, 1)
    record_event("feedback.view", project_id=project_id)
    assert AuditEvent.objects.filter(chain=chain_for(project_id)).count() == 3  # start, create
    assert AuditPending.objects.count() == 1


def test_sequencing_chains_them_in_order_and_empties_the_table() -> None:
    project_id = new_project()
    record_event("channel.create", project_id=project_id)  # the chain already has a head
    record_pending(project_id, 3)
    other = new_project()
    record_pending(other, 2)

    assert sequence_pending() == 5

    chain = AuditEvent.objects.filter(chain=chain_for(project_id)).order_by("seq")
    assert [(e.seq, e.action, e.object_id) for e in chain][1:] == [
        (2, "project.create", str(project_id)),
        (3, "channel.create", ""),
        (4, "message.receive", "1"),
        (5, "message.receive", "2"),
        (6, "message.receive", "3"),
    ]
    assert verify_chain(chain_for(project_id)) is None
    assert verify_chain(chain_for(other)) is None
    assert not AuditPending.objects.exists()
    assert sequence_pending() == 0


def test_sequencing_respects_the_limit() -> None:
    project_id = new_project()
    record_pending(project_id, 3)
    assert sequence_pending(limit=2) == 2
    assert [p.object_id for p in AuditPending.objects.all()] == ["3"]
    assert sequence_pending(limit=2) == 1
    assert verify_chain(chain_for(project_id)) is None


def test_a_large_backlog_chains_intact() -> None:
    project_id = new_project()
    record_pending(project_id, 250)
    assert sequence_pending() == 250
    assert verify_chain(chain_for(project_id)) is None
    assert not AuditPending.objects.exists()


def test_altered_pending_event_is_reported_and_not_chained() -> None:
    project_id = new_project()
    first, altered, last = record_pending(project_id, 3)
    tamper_pending(altered.pk, "nothing to see")

    assert verify_pending() == [
        f"TAMPERED pending event id={altered.pk}: content altered since written"
    ]
    assert sequence_pending() == 2
    assert list(AuditPending.objects.values_list("pk", flat=True)) == [altered.pk]
    chained = AuditEvent.objects.filter(chain=chain_for(project_id), action="message.receive")
    assert [e.object_id for e in chained.order_by("seq")] == [first.object_id, last.object_id]
    assert verify_chain(chain_for(project_id)) is None


def test_a_batch_of_altered_events_does_not_hold_back_the_good_ones() -> None:
    project_id = new_project()
    first, second, good = record_pending(project_id, 3)
    tamper_pending(first.pk, "x")
    tamper_pending(second.pk, "y")
    assert sequence_pending(limit=2) == 1
    chained = AuditEvent.objects.filter(chain=chain_for(project_id), action="message.receive")
    assert [e.object_id for e in chained] == [good.object_id]


def test_an_object_id_of_zero_is_kept() -> None:
    project_id = new_project()
    record_event("import.row", project_id=project_id, object_id=0)
    assert AuditEvent.objects.get(chain=chain_for(project_id), action="import.row").object_id == "0"


@pytest.mark.skipif(connection.vendor == "postgresql", reason="PostgreSQL refuses the update")
def test_sqlite_has_no_guard_so_verification_catches_an_orm_update() -> None:
    (event,) = record_pending(new_project(), 1)
    AuditPending.objects.filter(pk=event.pk).update(actor_label="someone else")
    assert verify_pending()[0].startswith(f"TAMPERED pending event id={event.pk}")


@only_postgresql
def test_postgresql_refuses_update_and_delete_outside_sequencing() -> None:
    (event,) = record_pending(new_project(), 1)
    attempts: list[Callable[[], object]] = [
        lambda: AuditPending.objects.filter(pk=event.pk).update(reason="x"),
        lambda: AuditPending.objects.filter(pk=event.pk).delete(),
    ]
    for attempt, verb in zip(attempts, ["UPDATE", "DELETE"], strict=True):
        with (
            pytest.raises(DatabaseError, match=f"{verb} refused|permission denied"),
            transaction.atomic(),
        ):
            attempt()
    assert AuditPending.objects.get(pk=event.pk).reason == ""
    assert verify_pending() == []


@only_postgresql
def test_postgresql_guard_is_back_after_sequencing() -> None:
    project_id = new_project()
    record_pending(project_id, 1)
    with transaction.atomic():
        sequence_pending()
        (event,) = record_pending(project_id, 1)
        with (
            pytest.raises(DatabaseError, match="DELETE refused|permission denied"),
            transaction.atomic(),
        ):
            AuditPending.objects.filter(pk=event.pk).delete()


def test_late_pending_event_is_reported(clock: FakeClock) -> None:
    (event,) = record_pending(new_project(), 1)
    assert verify_pending(max_age_seconds=60) == []
    clock.advance(3600)
    assert verify_pending(max_age_seconds=7200) == []
    (problem,) = verify_pending(max_age_seconds=60)
    assert problem.startswith(f"LATE pending event id={event.pk} has waited since")


def test_verify_audit_reports_a_late_pending_event(clock: FakeClock) -> None:
    (event,) = record_pending(new_project(), 1)
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert "no event waiting too long" in out.getvalue()

    clock.advance(3600)
    err = StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("verify_audit", stderr=err)
    assert f"LATE pending event id={event.pk}" in err.getvalue()


def test_verify_audit_reports_a_tampered_pending_event() -> None:
    (event,) = record_pending(new_project(), 1)
    tamper_pending(event.pk, "rewritten")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_audit", stderr=err)
    assert f"TAMPERED pending event id={event.pk}" in err.getvalue()


def test_purge_removes_the_chains_pending_events_only() -> None:
    doomed, kept = new_project(), new_project()
    record_event("feedback.view", project_id=doomed)
    record_pending(doomed, 2)
    record_pending(kept, 1)

    crypto_shred_project(doomed)
    summary = purge_project_chain(doomed, reason="project destroyed")

    assert summary["seq"] == 3  # start, create, view
    assert not AuditPending.objects.filter(chain=chain_for(doomed)).exists()
    assert AuditPending.objects.filter(chain=chain_for(kept)).count() == 1
    assert sequence_pending() == 1
    assert not AuditEvent.objects.filter(chain=chain_for(doomed)).exists()
    assert verify_chain("system") is None
