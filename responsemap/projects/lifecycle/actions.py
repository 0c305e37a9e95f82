"""A project's lifecycle: design -> active -> closed (destroyed: ``projects.destruction``).

Each step is one audited action naming the person who approved it, and a race-safe
conditional update (``UPDATE ... WHERE status IN (...)``): two people closing at once
close it once. A project becomes active only once its data-protection checklists are
complete and approved by its data controller. Closing stops intake at once: every
inbound statement checks the project's status (``intake.channels.queries``), so the next
message on any channel, in any process, gets the closure notice instead of being kept;
public forms say the project is closed; nothing more is sent.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from responsemap.lib import clock
from responsemap.projects.checklists.queries import all_approved
from responsemap.projects.hooks import project_closed
from responsemap.projects.models import Project
from responsemap.protection.audit import record_event
from responsemap.protection.viewer import Viewer

Status = Project.Status


class LifecycleRefused(ValueError):
    """The step can't be taken; the message says why, in words."""


def _approver_name(actor: Viewer | None, approver: str) -> str:
    name = approver.strip() or (actor.label if actor else "")
    if not name:
        raise LifecycleRefused("name the person who approved this step")
    return name[:150]


def _move(
    project: Project,
    sources: tuple[str, ...],
    target: str,
    action: str,
    *,
    actor: Viewer | None,
    approver: str,
    reason: str,
    stamp: str,
    then: Callable[[], dict[str, object]] | None = None,
) -> bool:
    """``then``: more of the same step, in its transaction; what it returns goes into
    the audit event's details."""
    name = _approver_name(actor, approver)
    now = clock.now()
    with transaction.atomic():
        moved = Project.objects.filter(pk=project.pk, status__in=sources).update(
            status=target, **{stamp: now}
        )
        if not moved:
            return False
        more = then() if then is not None else {}
        record_event(
            action,
            project_id=project.pk,
            actor=actor,
            object_type="project",
            object_id=project.pk,
            fields=["status"],
            reason=reason.strip()[:1000],
            details={"approved_by": name, "from": project.status, "to": target, **more},
        )
    project.status = target
    setattr(project, stamp, now)
    return True


def do_activate_project(
    project: Project, *, actor: Viewer | None, approver: str = "", reason: str = ""
) -> bool:
    """Design -> active: the project starts taking feedback. Refused until every
    data-protection checklist is complete and approved by the data controller."""
    if project.status != Status.DESIGN:
        raise LifecycleRefused("only a project in design can be made active")
    if not all_approved(project.pk):
        raise LifecycleRefused(
            "every data-protection checklist must be complete and approved by the data controller"
        )
    return _move(
        project,
        (Status.DESIGN,),
        Status.ACTIVE,
        "project.activate",
        actor=actor,
        approver=approver,
        reason=reason,
        stamp="activated_at",
    )


def do_close_project(
    project: Project, *, actor: Viewer | None, approver: str = "", reason: str = ""
) -> bool:
    """Design or active -> closed: intake stops at once (channels answer with the
    closure notice, public forms say the project is closed, nothing more is sent); the
    retention period before destruction starts now (``closed_at``). Messages still
    queued become "Not sent: project closed", in the same transaction (the send worker
    does the same to one queued after). False if the project was already closed (or
    destroyed): nothing changes then."""

    def closing() -> dict[str, object]:
        return project_closed(project.pk)  # intake: queued messages "not sent" (hooks)

    return _move(
        project,
        (Status.DESIGN, Status.ACTIVE),
        Status.CLOSED,
        "project.close",
        actor=actor,
        approver=approver,
        reason=reason,
        stamp="closed_at",
        then=closing,
    )
