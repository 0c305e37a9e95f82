"""Who reaches a project's lifecycle screens: its members whose role manages the project,
and its data controller; in design, active or closed (a closed project is gone from
every other screen). Anyone else gets a 404, as for a project they are not in."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from responsemap.accounts.queries import viewer_for
from responsemap.projects.models import Organisation, OrganisationAdmin, Project
from responsemap.protection.viewer import Viewer

SHOWN_STATUSES = (Project.Status.DESIGN, Project.Status.ACTIVE, Project.Status.CLOSED)


def is_controller(project: Project, viewer: Viewer) -> bool:
    return project.data_controller_id is not None and project.data_controller_id == viewer.user_id


def access_lifecycle(user: Any, slug: str) -> tuple[Project, Viewer]:
    if not getattr(user, "is_authenticated", False):
        raise Http404
    project = (
        Project.objects.select_related("organisation", "data_controller")
        .filter(
            slug=slug,
            status__in=SHOWN_STATUSES,
            memberships__user=user,
            memberships__is_active=True,
        )
        .first()
    )
    viewer = viewer_for(user, project.pk) if project else None
    if project is None or viewer is None:
        raise Http404
    if not (viewer.can("manage_project") or is_controller(project, viewer)):
        raise Http404
    return project, viewer


def organisations_administered(user: Any) -> list[Organisation]:
    """The organisations ``user`` may create projects for (every one for a superuser)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if user.is_superuser:
        return list(Organisation.objects.order_by("name"))
    ids = OrganisationAdmin.objects.filter(user=user).values("organisation_id")
    return list(Organisation.objects.filter(pk__in=ids).order_by("name"))


def administers(user: Any, organisation_id: int) -> bool:
    return any(o.pk == organisation_id for o in organisations_administered(user))


def closed_project(slug: str) -> Project | None:
    """The closed project at this public address, if it is one (its public form says it
    is closed); anyone may ask, and learns only what the form showed before."""
    return (
        Project.objects.select_related("organisation")
        .filter(slug=slug, status=Project.Status.CLOSED)
        .first()
    )
