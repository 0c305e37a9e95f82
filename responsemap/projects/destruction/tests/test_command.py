"""``manage.py destroy_project``: confirmation, refusals, and a run taken up again."""

from __future__ import annotations

import io
import sys
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from responsemap.projects.destruction import purge
from responsemap.projects.destruction.actions import (
    Approval,
    do_destroy_project,
    do_place_legal_hold,
)
from responsemap.projects.destruction.certificate import certificate_of
from responsemap.projects.destruction.models import DestructionRun
from responsemap.projects.destruction.purge import Crash
from responsemap.projects.destruction.queries import admin_viewer
from responsemap.projects.models import Project
from responsemap.protection.keyring import get_keyring
from responsemap.protection.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("destroy_project", *args, stdout=out)
    return out.getvalue()


def unchanged(project: Project, events: int) -> None:
    project.refresh_from_db()
    assert project.status == Project.Status.CLOSED
    assert get_keyring().keys(project.pk).versions
    assert AuditEvent.objects.count() == events
    assert not DestructionRun.objects.exists()


def test_with_confirm_it_destroys_and_names_the_approver(closed_project: Project) -> None:
    out = run("alpha", "--confirm", "alpha", "--approver", "Marie (DPO)")
    assert "destroyed: key" in out
    certificate = certificate_of(closed_project.pk)
    assert certificate is not None
    assert certificate.body["approved_by"] == "Marie (DPO)"
    assert certificate.body["approval"] == Approval.OPERATOR


def test_without_a_terminal_and_without_confirm_it_refuses(
    closed_project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = AuditEvent.objects.count()
    monkeypatch.setattr(sys, "stdin", io.StringIO("alpha\n"))
    with pytest.raises(CommandError, match="--confirm alpha"):
        run("alpha")
    with pytest.raises(CommandError, match="does not match"):
        run("alpha", "--confirm", "beta")
    unchanged(closed_project, events)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_it_asks_for_the_slug_again(
    closed_project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = AuditEvent.objects.count()
    monkeypatch.setattr(sys, "stdin", Terminal("wrong\n"))
    with pytest.raises(CommandError, match="not confirmed"):
        run("alpha")
    unchanged(closed_project, events)
    monkeypatch.setattr(sys, "stdin", Terminal("alpha\n"))
    assert "destroyed" in run("alpha")
    assert certificate_of(closed_project.pk) is not None


def test_an_open_project_or_one_under_hold_is_refused(
    project: Project, personas: dict[str, Any]
) -> None:
    events = AuditEvent.objects.count()
    with pytest.raises(CommandError, match="only a closed project"):
        run("alpha", "--confirm", "alpha")
    assert AuditEvent.objects.count() == events
    with pytest.raises(CommandError, match="no project"):
        run("nope", "--confirm", "nope")


def test_run_again_it_finishes_a_stopped_destruction(
    closed_project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(purge, "BATCH", 2)

    def crash(_run: DestructionRun) -> None:
        raise Crash

    with pytest.raises(Crash):
        do_destroy_project(
            closed_project, approval=Approval.OPERATOR, approved_by="Ops", after_batch=crash
        )
    out = run("alpha")  # no confirmation needed: the decision was taken
    assert "going on with the destruction of alpha (stopped at rows)" in out
    assert DestructionRun.objects.get().step == DestructionRun.Step.DONE


def test_a_legal_hold_stops_the_command(
    closed_project: Project, org_admin: Any, personas: dict[str, Any]
) -> None:
    assert closed_project.closed_at is not None
    do_place_legal_hold(
        closed_project,
        actor=admin_viewer(org_admin, closed_project),
        reason="Court order",
        owner=org_admin,
        expires_on=closed_project.closed_at.date() + timedelta(days=30),
    )
    events = AuditEvent.objects.count()
    with pytest.raises(CommandError, match="legal hold stands"):
        run("alpha", "--confirm", "alpha")
    assert AuditEvent.objects.count() == events
    assert get_keyring().keys(closed_project.pk).versions
