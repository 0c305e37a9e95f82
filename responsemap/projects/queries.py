from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from responsemap.accounts.models import Membership
from responsemap.accounts.queries import viewer_for
from responsemap.projects.models import OrganisationAdmin, Project
from responsemap.protection.viewer import Viewer


def projects_visible_to(user: Any) -> QuerySet[Project]:
    if not getattr(user, "is_authenticated", False):
        return Project.objects.none()
    return (
        Project.objects.filter(
            memberships__user=user, memberships__is_active=True, status__in=["design", "active"]
        )
        .select_related("organisation")
        .order_by("name")
    )


def access_project(user: Any, slug: str) -> tuple[Project, Viewer]:
    """The project and the user's viewer in it; 404 if they are not a member.

    404, not 403: an outsider learns nothing, not even that the project exists.
    """
    project = projects_visible_to(user).filter(slug=slug).first()
    viewer = viewer_for(user, project.pk) if project else None
    if project is None or viewer is None:
        raise Http404
    return project, viewer


def works_for(user: Any, organisation_id: int) -> bool:
    """The person administers the organisation or is a member of one of its projects:
    who may be named its project's data controller (never someone of another
    organisation, whose user name the form would otherwise confirm exists)."""
    return (
        OrganisationAdmin.objects.filter(user=user, organisation_id=organisation_id).exists()
        or Membership.objects.filter(
            user=user, project__organisation_id=organisation_id, is_active=True
        ).exists()
    )
