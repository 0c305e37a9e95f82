"""Legal holds and the decision to destroy a project: audited actions.

``do_destroy_project`` records the decision (in the project's chain, sealed, and in the
system chain, which outlives it), marks the project destroyed and its run started in
one transaction, then destroys the key and takes the run to its end
(``purge.continue_destruction``). Refused for a project that is not closed, and under a
standing legal hold, whoever asks.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext

from responsemap.lib import clock
from responsemap.projects.destruction.models import DestructionRun, LegalHold
from responsemap.projects.destruction.purge import continue_destruction, shred_key_now
from responsemap.projects.destruction.queries import retention_ends, standing_hold
from responsemap.projects.models import Project
from responsemap.protection.audit import record_event
from responsemap.protection.keyring import get_keyring, key_fingerprint
from responsemap.protection.keystore import KeyDestroyed
from responsemap.protection.viewer import Viewer

Status = Project.Status
Approval = DestructionRun.Approval
REASON_MAX = 1000


class DestructionRefused(ValueError):
    """The project can't be destroyed (or held) now; the message says why, in words."""


def do_place_legal_hold(
    project: Project, *, actor: Viewer, reason: str, owner: Any, expires_on: date
) -> LegalHold:
    reason = reason.strip()
    if not reason:
        raise DestructionRefused(gettext("Say why the data must be kept."))
    if expires_on <= clock.now().date():
        raise DestructionRefused(gettext("The hold must end after today."))
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        if locked.status == Status.DESTROYED:
            raise DestructionRefused(gettext("This project is already destroyed."))
        hold = LegalHold(
            project=locked,
            reason=reason[:REASON_MAX],
            owner=owner,
            expires_on=expires_on,
            placed_by_id=actor.user_id,
            placed_at=clock.now(),
        )
        hold.save()
        record_event(
            "legal_hold.place",
            project_id=project.pk,
            actor=actor,
            object_type="legalhold",
            object_id=hold.pk,
            fields=["reason", "owner", "expires_on"],
            details={"expires_on": expires_on.isoformat(), "owner": owner.get_username()},
        )
    return hold


def do_lift_legal_hold(hold: LegalHold, *, actor: Viewer, reason: str) -> bool:
    """Lift a standing hold; False if it was lifted already (nothing changes)."""
    reason = reason.strip()
    if not reason:
        raise DestructionRefused(gettext("Say why the hold is lifted."))
    with transaction.atomic():
        lifted = LegalHold.objects.filter(pk=hold.pk, lifted_at__isnull=True).update(
            lifted_at=clock.now(), lifted_by_id=actor.user_id
        )
        if not lifted:
            return False
        record_event(
            "legal_hold.lift",
            project_id=hold.project_id,
            actor=actor,
            object_type="legalhold",
            object_id=hold.pk,
            fields=["lifted_at"],
            reason=reason[:REASON_MAX],
        )
    return True


def check_destroyable(project: Project, approval: str) -> None:
    if project.status != Status.CLOSED:
        raise DestructionRefused(gettext("Only a closed project can be destroyed."))
    hold = standing_hold(project.pk)
    if hold is not None:
        raise DestructionRefused(
            gettext("A legal hold stands until {date}: lift it first.").format(
                date=date_format(hold.expires_on, "SHORT_DATE_FORMAT")
            )
        )
    if approval == Approval.RETENTION:
        ends = retention_ends(project)
        if ends is None or ends > clock.now():
            raise DestructionRefused(gettext("Its retention period has not ended."))


def do_destroy_project(
    project: Project,
    *,
    approval: str,
    approved_by: str,
    actor: Viewer | None = None,
    reason: str = "",
    after_batch: Callable[[DestructionRun], None] | None = None,
    in_background: bool = False,
) -> DestructionRun:
    """Destroy a closed project: the decision, then the key, then everything else.

    ``approval``: ``retention`` (the period after closure ended; the task) or
    ``operator`` (an explicit decision, whatever is left of the period).
    ``in_background`` (the screen): the decision and the key here, the rest queued for
    a worker (``tasks.destroy_project_task``, queued with the decision, so the upkeep
    never queues it a second time)."""
    approved_by = approved_by.strip()[:150]
    if not approved_by:
        raise DestructionRefused(gettext("Name the person who approved the destruction."))
    check_destroyable(project, approval)
    try:
        fingerprint = key_fingerprint(project.pk)
        versions = len(get_keyring().keys(project.pk).versions)
    except KeyDestroyed:
        fingerprint, versions = "", 0
    now = clock.now()
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        check_destroyable(locked, approval)  # again, under the lock: a hold placed meanwhile
        Project.objects.filter(pk=project.pk, status=Status.CLOSED).update(status=Status.DESTROYED)
        DestructionRun.objects.create(
            project=locked,
            approval=approval,
            approved_by=approved_by,
            approved_by_id=actor.user_id if actor else None,
            started_at=now,
            key_id=str(project.pk),
            key_fingerprint=fingerprint,
            key_versions=versions,
        )
        details = {"approval": approval, "approved_by": approved_by}
        record_event(
            "project.destroy",
            project_id=project.pk,
            actor=actor,
            object_type="project",
            object_id=project.pk,
            fields=["status"],
            reason=reason.strip()[:REASON_MAX],
            details=details,
        )
        record_event(
            "project.destroy",
            project_id=None,
            actor=actor,
            object_type="project",
            object_id=project.pk,
            reason=f"{approval}; approved by {approved_by}",
        )
        if in_background:
            from responsemap.projects.destruction.tasks import queue_destruction

            queue_destruction(project.pk)
    project.status = Status.DESTROYED
    if in_background:
        return shred_key_now(project.pk)
    return continue_destruction(project.pk, after_batch=after_batch)
