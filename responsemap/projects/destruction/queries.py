"""Who may see the destruction screens, and what is due.

Organisation admins (``projects.OrganisationAdmin``) and system admins see their
organisations' closed and destroyed projects, place and lift legal holds and read the
certificates; project members, whatever their role, do not (a 404, as for a project
they are not in)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.http import Http404

from responsemap.lib import clock
from responsemap.projects.destruction.models import DestructionRun, LegalHold, ProjectAggregate
from responsemap.projects.models import Organisation, OrganisationAdmin, Project
from responsemap.protection.viewer import ProjectId, Viewer

# The one permission of the viewer the destruction screens act as (the legal hold's
# reason is catalogued under it).
MANAGE_LEGAL_HOLD = "manage_legal_hold"
ROLE = "organisation_admin"
SHOWN_STATUSES = (Project.Status.ACTIVE, Project.Status.CLOSED, Project.Status.DESTROYED)


def organisations_administered_by(user: Any) -> QuerySet[Organisation]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Organisation.objects.none()
    if user.is_superuser:
        return Organisation.objects.all()
    admins = OrganisationAdmin.objects.filter(user=user).values("organisation_id")
    return Organisation.objects.filter(pk__in=admins)


def destruction_projects_visible_to(user: Any) -> QuerySet[Project]:
    return (
        Project.objects.filter(
            organisation__in=organisations_administered_by(user), status__in=SHOWN_STATUSES
        )
        .select_related("organisation")
        .order_by("name")
    )


def admin_viewer(user: Any, project: Project) -> Viewer:
    return Viewer(
        user_id=user.pk,
        label=user.get_username(),
        role=ROLE,
        project_id=project.pk,
        permissions=frozenset({MANAGE_LEGAL_HOLD}),
    )


def access_destruction_project(user: Any, slug: str) -> tuple[Project, Viewer]:
    """The project and the admin's viewer in it; 404 for anyone else."""
    project = destruction_projects_visible_to(user).filter(slug=slug).first()
    if project is None:
        raise Http404
    return project, admin_viewer(user, project)


def holds_of(project_id: ProjectId) -> QuerySet[LegalHold]:
    return LegalHold.objects.filter(project_id=project_id).select_related(
        "owner", "placed_by", "lifted_by"
    )


def access_hold(project: Project, hold_id: object) -> LegalHold:
    hold = holds_of(project.pk).filter(pk=str(hold_id)).first() if _is_uuid(hold_id) else None
    if hold is None:
        raise Http404
    return hold


def _is_uuid(value: object) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def standing_hold(project_id: ProjectId, now: datetime | None = None) -> LegalHold | None:
    """The hold that stops destruction now, if any: not lifted and not expired."""
    today = (now or clock.now()).date()
    return (
        holds_of(project_id)
        .filter(lifted_at__isnull=True, expires_on__gte=today)
        .order_by("-expires_on")
        .first()
    )


def standing_holds(
    project_ids: list[ProjectId], now: datetime | None = None
) -> dict[ProjectId, LegalHold]:
    """``standing_hold`` for a page of projects, in one query: each project's hold that
    stops destruction now (the latest to end), for those that have one."""
    today = (now or clock.now()).date()
    found: dict[ProjectId, LegalHold] = {}
    for hold in (
        LegalHold.objects.filter(
            project_id__in=project_ids, lifted_at__isnull=True, expires_on__gte=today
        )
        .order_by("project_id", "-expires_on")
        .only("pk", "project_id", "expires_on")
    ):
        found.setdefault(hold.project_id, hold)
    return found


def retention_ends(project: Project) -> datetime | None:
    """When the project's retention period after closure ends (None: not closed)."""
    if project.closed_at is None:
        return None
    return project.closed_at + timedelta(days=project.retention_days)


def hold_owners_for(project: Project, actor: Any) -> QuerySet[Any]:
    """Who may answer for a hold: the organisation's admins, the project's members and
    the person placing it."""
    admins = OrganisationAdmin.objects.filter(organisation_id=project.organisation_id)
    return (
        get_user_model()
        .objects.filter(
            Q(pk__in=admins.values("user_id"))
            | Q(memberships__project=project, memberships__is_active=True)
            | Q(pk=actor.pk),
            is_active=True,
        )
        .distinct()
        .order_by("username")
    )


def run_of(project_id: ProjectId) -> DestructionRun | None:
    return DestructionRun.objects.filter(project_id=project_id).first()


def totals_left_by(project_id: ProjectId) -> QuerySet[ProjectAggregate]:
    """What a destroyed project leaves: its non-personal totals."""
    return ProjectAggregate.objects.filter(project_id=project_id, dimension="")
