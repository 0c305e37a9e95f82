from __future__ import annotations

from typing import Any

from responsemap.accounts.models import Membership
from responsemap.protection.viewer import ProjectId, Viewer


def membership_of(user: Any, project_id: ProjectId) -> Membership | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Membership.objects.select_related("role")
        .filter(user=user, project_id=project_id, is_active=True, user__is_active=True)
        .first()
    )


def viewer_for(user: Any, project_id: ProjectId) -> Viewer | None:
    """The kernel's view of ``user`` in a project, or None if they are not a member."""
    membership = membership_of(user, project_id)
    if membership is None:
        return None
    return Viewer(
        user_id=user.pk,
        label=user.get_username(),
        role=membership.role.code,
        project_id=project_id,
        permissions=frozenset(membership.role.permissions),
    )
