"""Destroying a project: key first, then every row, the chain, files and caches; the
certificate in the system chain; refusals; a run killed half-way goes on."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection

from responsemap.lib import clock
from responsemap.lib.clock import FakeClock
from responsemap.projects.destruction import purge, tasks
from responsemap.projects.destruction.actions import (
    Approval,
    DestructionRefused,
    do_destroy_project,
    do_lift_legal_hold,
    do_place_legal_hold,
)
from responsemap.projects.destruction.certificate import certificate_of
from responsemap.projects.destruction.models import DestructionRun, ProjectAggregate
from responsemap.projects.destruction.purge import (
    Crash,
    continue_destruction,
    files_dir,
    project_tables,
)
from responsemap.projects.destruction.queries import admin_viewer
from responsemap.projects.destruction.tasks import destroy_due_projects, due_projects
from responsemap.projects.destruction.tests.conftest import fill
from responsemap.projects.models import Project
from responsemap.protection.audit import SYSTEM_CHAIN, chain_for, verify_chain
from responsemap.protection.expected import verify_expected_chains
from responsemap.protection.keyring import get_keyring
from responsemap.protection.keystore import KeyDestroyed
from responsemap.protection.models import AuditChainHead, AuditEvent, DestroyedProject
from responsemap.triage.models import Feedback, FeedbackToken

pytestmark = pytest.mark.django_db(transaction=True)


def rows_left(project_id: object) -> dict[str, int]:
    left = {}
    for model, field in project_tables():
        n = model._base_manager.filter(**{field: project_id}).count()
        if n:
            left[model._meta.label_lower] = n
    return left


def test_a_closed_project_is_destroyed_whole_and_the_other_is_untouched(
    closed_project: Project, other_project: Project, personas: dict[str, Any]
) -> None:
    fill(other_project, 2)
    before = rows_left(closed_project.pk)
    assert before["triage.feedback"] == 3
    assert before["triage.feedbacktoken"] > 0
    assert before["accounts.membership"] == 6
    folder = files_dir(closed_project.pk)
    (folder / "exports").mkdir(parents=True)
    (folder / "exports" / "export.csv").write_text("id,text\n1,Quorimba\n")
    chain_events = AuditChainHead.objects.get(chain=chain_for(closed_project.pk)).seq

    run = do_destroy_project(
        closed_project, approval=Approval.OPERATOR, approved_by="Ops on call", reason="asked"
    )

    assert run.step == DestructionRun.Step.DONE
    with pytest.raises(KeyDestroyed):
        get_keyring().keys(closed_project.pk)
    assert rows_left(closed_project.pk) == {}
    assert not folder.exists()
    assert not AuditEvent.objects.filter(chain=chain_for(closed_project.pk)).exists()
    assert DestroyedProject.objects.filter(project_id=closed_project.pk).exists()
    closed_project.refresh_from_db()
    assert closed_project.status == Project.Status.DESTROYED
    # What remains: the certificate, in the system chain, intact.
    certificate = certificate_of(closed_project.pk)
    assert certificate is not None
    assert certificate.intact
    body = certificate.body
    assert body["approved_by"] == "Ops on call"
    assert body["approval"] == "operator"
    assert body["key"]["id"] == str(closed_project.pk)
    assert len(body["key"]["fingerprint"]) == 32
    assert body["rows"]["triage.feedback"] == 3
    assert body["rows"]["triage.feedbacktoken"] == before["triage.feedbacktoken"]
    assert body["files"] == 1
    # the chain's final event is the destruction's own (its start), after the ones before
    assert body["audit_chain"]["events"] == chain_events + 1
    assert len(body["audit_chain"]["final_hash"]) == 64
    assert verify_chain(SYSTEM_CHAIN) is None
    assert verify_expected_chains() == []
    # ... and the aggregates: counts per kind and month, no text.
    feedback = ProjectAggregate.objects.filter(
        project=closed_project, kind="triage.feedback", dimension=""
    )
    assert [a.count for a in feedback] == [None]  # 3 records: fewer than 5, suppressed
    assert ProjectAggregate.objects.filter(project=closed_project, dimension="source").exists()
    # The other project works as before.
    assert Feedback.objects.filter(project=other_project).count() == 2
    assert FeedbackToken.objects.filter(project=other_project).exists()
    assert get_keyring().keys(other_project.pk).versions
    assert verify_chain(chain_for(other_project.pk)) is None


def test_only_a_closed_project_is_destroyed(project: Project) -> None:
    with pytest.raises(DestructionRefused, match="Only a closed project"):
        do_destroy_project(project, approval=Approval.OPERATOR, approved_by="Ops")
    assert get_keyring().keys(project.pk).versions
    assert not DestructionRun.objects.exists()


def test_a_legal_hold_stops_destruction_until_lifted(
    closed_project: Project, org_admin: Any, personas: dict[str, Any]
) -> None:
    actor = admin_viewer(org_admin, closed_project)
    assert closed_project.closed_at is not None
    expires = closed_project.closed_at.date() + timedelta(days=400)
    hold = do_place_legal_hold(
        closed_project,
        actor=actor,
        reason="Court order 12/2026",
        owner=personas["manager"],
        expires_on=expires,
    )
    events_before = AuditEvent.objects.count()
    with pytest.raises(DestructionRefused, match="legal hold"):
        do_destroy_project(closed_project, approval=Approval.OPERATOR, approved_by="Ops")
    assert AuditEvent.objects.count() == events_before  # a refusal changes nothing
    assert get_keyring().keys(closed_project.pk).versions
    place = AuditEvent.objects.get(action="legal_hold.place")
    assert place.reason == ""  # sealed
    assert do_lift_legal_hold(hold, actor=actor, reason="Case closed")
    assert not do_lift_legal_hold(hold, actor=actor, reason="again")
    run = do_destroy_project(closed_project, approval=Approval.OPERATOR, approved_by="Ops")
    assert run.step == DestructionRun.Step.DONE


def test_a_hold_needs_a_reason_and_a_future_end(
    closed_project: Project, org_admin: Any, personas: dict[str, Any]
) -> None:
    actor = admin_viewer(org_admin, closed_project)
    assert closed_project.closed_at is not None
    today = closed_project.closed_at.date()
    with pytest.raises(DestructionRefused, match="why"):
        do_place_legal_hold(
            closed_project, actor=actor, reason=" ", owner=org_admin, expires_on=today
        )
    with pytest.raises(DestructionRefused, match="after today"):
        do_place_legal_hold(
            closed_project, actor=actor, reason="x", owner=org_admin, expires_on=today
        )


def test_the_worker_destroys_once_retention_ends_unless_held(
    closed_project: Project, clock: FakeClock
) -> None:
    assert due_projects() == []
    assert destroy_due_projects() == 0
    clock.advance(closed_project.retention_days * 86400 + 61)
    assert [p.pk for p in due_projects()] == [closed_project.pk]
    assert destroy_due_projects() == 1  # the immediate backend runs the task at once
    run = DestructionRun.objects.get(project=closed_project)
    assert run.step == DestructionRun.Step.DONE
    assert run.approval == Approval.RETENTION
    assert destroy_due_projects() == 0  # looked a moment ago


def test_retention_not_ended_is_refused_for_the_task_but_not_the_operator(
    closed_project: Project,
) -> None:
    with pytest.raises(DestructionRefused, match="retention"):
        do_destroy_project(closed_project, approval=Approval.RETENTION, approved_by="x")
    run = do_destroy_project(closed_project, approval=Approval.OPERATOR, approved_by="Ops")
    assert run.step == DestructionRun.Step.DONE


def test_a_run_killed_half_way_goes_on_where_it_stopped(
    closed_project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(closed_project, 7)  # 10 records
    before = rows_left(closed_project.pk)
    monkeypatch.setattr(purge, "BATCH", 3)
    batches: list[int] = []

    def killed_after_four(run: DestructionRun) -> None:
        batches.append(1)
        if len(batches) == 4:
            raise Crash

    with pytest.raises(Crash):
        do_destroy_project(
            closed_project,
            approval=Approval.OPERATOR,
            approved_by="Ops",
            after_batch=killed_after_four,
        )
    connection.close()  # the process is gone; a new one takes it up
    stopped = DestructionRun.objects.get(project=closed_project)
    assert stopped.step == DestructionRun.Step.ROWS
    assert stopped.key_destroyed_at is not None  # the key went first
    with pytest.raises(KeyDestroyed):
        get_keyring().keys(closed_project.pk)
    assert 0 < sum(stopped.counts.values()) < sum(before.values())
    run = continue_destruction(closed_project.pk)
    assert run.step == DestructionRun.Step.DONE
    assert rows_left(closed_project.pk) == {}
    for label, n in before.items():
        assert run.counts[label] == n, label  # every row counted once
    certificate = certificate_of(closed_project.pk)
    assert certificate is not None
    assert certificate.body["rows"]["triage.feedback"] == 10
    assert certificate.body["key"]["fingerprint"]  # taken before the key went


def test_every_table_with_a_project_column_is_purged_in_an_order_that_works() -> None:
    labels = [m._meta.label_lower for m, _ in project_tables()]
    assert "projects.project" not in labels
    assert "projects.destructionrun" not in labels
    assert labels.index("triage.feedbacktoken") < labels.index("triage.feedback")
    assert labels.index("accounts.membership") < labels.index("accounts.role")
    assert "projects.legalhold" in labels


def test_the_task_works_in_slices_and_queues_the_rest(
    closed_project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A task stops after ``SLICE_SECONDS`` and queues itself again (the immediate
    backend runs the next slice at once), so no run outlives the worker timeout."""
    monkeypatch.setattr(purge, "BATCH", 5)
    monkeypatch.setattr(tasks, "SLICE_SECONDS", 0.0)
    slices: list[str] = []
    real = purge.continue_destruction

    def counted(project_id: Any, **kwargs: Any) -> DestructionRun:
        slices.append(str(project_id))
        return real(project_id, **kwargs)

    monkeypatch.setattr(tasks, "continue_destruction", counted)
    DestructionRun.objects.create(
        project=closed_project,
        approval=Approval.OPERATOR,
        approved_by="Ops",
        started_at=clock.now(),
    )
    Project.objects.filter(pk=closed_project.pk).update(status=Project.Status.DESTROYED)
    tasks.destroy_project_task.enqueue(str(closed_project.pk))
    run = DestructionRun.objects.get(project=closed_project)
    assert run.step == DestructionRun.Step.DONE
    assert len(slices) > 3
    assert rows_left(closed_project.pk) == {}
