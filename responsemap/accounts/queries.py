from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import translation

from responsemap.accounts.models import Membership, Role, Team, TeamMember
from responsemap.accounts.permissions import DEFAULT_ROLES, PERMISSIONS
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


def members_of(
    project_id: ProjectId,
    *,
    search: str = "",
    role: str = "",
    team: int | None = None,
    active: bool | None = None,
) -> QuerySet[Membership]:
    """A project's members (the active first, then by user name) for its manager's list:
    found by a piece of their user name, name or e-mail, filtered by role and team."""
    rows = Membership.objects.filter(project_id=project_id).select_related("user", "role")
    if search:
        rows = rows.filter(
            Q(user__username__icontains=search)
            | Q(user__first_name__icontains=search)
            | Q(user__last_name__icontains=search)
            | Q(user__email__icontains=search)
        )
    if role:
        rows = rows.filter(role__code=role)
    if team is not None:
        rows = rows.filter(teams__pk=team)
    if active is not None:
        rows = rows.filter(is_active=active)
    return rows.order_by("-is_active", "user__username", "pk")


def member_of(project_id: ProjectId, membership_id: object) -> Membership:
    """One membership of the project, or 404 (another project's is not found either)."""
    try:
        pk = int(str(membership_id))
    except ValueError:
        raise Http404 from None
    membership = members_of(project_id).filter(pk=pk).first()
    if membership is None:
        raise Http404
    return membership


def teams_of(project_id: ProjectId) -> QuerySet[Team]:
    return Team.objects.filter(project_id=project_id).order_by("name", "pk")


def team_of(project_id: ProjectId, team_id: object) -> Team:
    try:
        pk = int(str(team_id))
    except ValueError:
        raise Http404 from None
    team = teams_of(project_id).filter(pk=pk).first()
    if team is None:
        raise Http404
    return team


def team_names_by_member(memberships: list[Membership]) -> dict[int, list[str]]:
    """The names of the teams of each membership given, in one query."""
    names: dict[int, list[str]] = {m.pk: [] for m in memberships}
    rows = (
        TeamMember.objects.filter(membership__in=[m.pk for m in memberships])
        .order_by("team__name")
        .values_list("membership_id", "team__name")
    )
    for membership_id, name in rows:
        names[membership_id].append(name)
    return names


def team_ids_of(membership: Membership) -> list[int]:
    return list(TeamMember.objects.filter(membership=membership).values_list("team_id", flat=True))


def team_sizes(project_id: ProjectId) -> dict[int, int]:
    """How many active members each of the project's teams has."""
    rows = (
        TeamMember.objects.filter(team__project_id=project_id, membership__is_active=True)
        .values("team_id")
        .annotate(n=Count("pk"))
    )
    return {row["team_id"]: row["n"] for row in rows}


def role_words(code: str, label: str) -> str:
    """A role's name for the screen: a default role keeping its default name is shown in
    the reader's language; a name the project gave it, as written."""
    default = DEFAULT_ROLES.get(code)
    if default is not None:
        with translation.override("en"):
            english = str(default["label"])
        if label == english:
            return str(default["label"])
    return label


def roles_of(project_id: ProjectId) -> list[Role]:
    return list(Role.objects.filter(project_id=project_id).order_by("pk"))


def role_of(project_id: ProjectId, role_id: int) -> Role:
    """One role of the project, or 404."""
    role = Role.objects.filter(project_id=project_id, pk=role_id).first()
    if role is None:
        raise Http404
    return role


def role_choices(project_id: ProjectId) -> list[tuple[str, str]]:
    return [(role.code, role_words(role.code, role.label)) for role in roles_of(project_id)]


def permission_words(permissions: list[str]) -> list[str]:
    """A role's permissions in words, in the order they are declared."""
    return [str(words) for name, words in PERMISSIONS.items() if name in permissions]
