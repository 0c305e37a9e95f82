"""Changing who may do what: memberships, role permissions and staff accounts.

Each action is atomic and writes one audit event in the same transaction, naming the
fields it changed. Membership and role events go to the project's chain; staff account
events to the system chain (a user belongs to no project). The Django admin saves
through these too (``protection/admin.py``), acting as the signed-in admin.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from allauth.account.forms import ResetPasswordForm
from allauth.core.context import request_context
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _

from responsemap.accounts.models import Membership, Role, Team, TeamMember, User
from responsemap.accounts.permissions import PERMISSIONS
from responsemap.protection.audit import record_event
from responsemap.protection.viewer import ProjectId, Viewer

# What the admin may change on a staff account. Passwords are not here: a person sets
# their own (allauth's reset), or the operator runs ``manage.py changepassword``.
USER_FIELDS = frozenset(
    ["first_name", "last_name", "email", "is_active", "is_staff", "is_superuser"]
)


def do_add_member(
    *, project_id: ProjectId, user: User, role_code: str, actor: Viewer | None = None
) -> Membership:
    """Give ``user`` the role ``role_code`` in the project (reactivating a membership
    that was deactivated)."""
    with transaction.atomic():
        role = Role.objects.get(project_id=project_id, code=role_code)
        membership, _ = Membership.objects.update_or_create(
            user=user, project_id=project_id, defaults={"role": role, "is_active": True}
        )
        record_event(
            "membership.grant",
            project_id=project_id,
            actor=actor,
            object_type="membership",
            object_id=membership.pk,
            fields=["role", "is_active"],
            reason=f"{user.get_username()} as {role_code}",
        )
    return membership


def do_change_membership(
    membership: Membership,
    *,
    actor: Viewer | None,
    role_code: str | None = None,
    is_active: bool | None = None,
) -> list[str]:
    """Change a member's role and/or (de)activate them; returns the fields changed.

    A membership is deactivated, never deleted, so its audit trail keeps a subject.
    """
    changed: list[str] = []
    notes: list[str] = []
    with transaction.atomic():
        if role_code is not None and role_code != membership.role.code:
            old = membership.role.code
            membership.role = Role.objects.get(project_id=membership.project_id, code=role_code)
            changed.append("role")
            notes.append(f"role {old} -> {role_code}")
        if is_active is not None and is_active != membership.is_active:
            membership.is_active = is_active
            changed.append("is_active")
            notes.append("reactivated" if is_active else "deactivated")
        if not changed:
            return []
        membership.save(update_fields=changed)
        record_event(
            "membership.change",
            project_id=membership.project_id,
            actor=actor,
            object_type="membership",
            object_id=membership.pk,
            fields=changed,
            reason=f"{membership.user.get_username()}: {'; '.join(notes)}",
        )
    return changed


class UnknownPermission(ValueError):
    pass


def do_set_role_permissions(
    role: Role, permissions: Iterable[str], *, actor: Viewer | None
) -> bool:
    """Replace a role's permissions; False if they were already these."""
    wanted = sorted(set(permissions))
    unknown = [name for name in wanted if name not in PERMISSIONS]
    if unknown:
        raise UnknownPermission(", ".join(unknown))
    before = set(role.permissions)
    if set(wanted) == before:
        return False
    with transaction.atomic():
        role.permissions = wanted
        role.save(update_fields=["permissions"])
        added, removed = sorted(set(wanted) - before), sorted(before - set(wanted))
        record_event(
            "role.set_permissions",
            project_id=role.project_id,
            actor=actor,
            object_type="role",
            object_id=role.pk,
            fields=["permissions"],
            reason=f"{role.code}: added {', '.join(added) or '-'}; "
            f"removed {', '.join(removed) or '-'}",
        )
    return True


def do_create_user_account(user: User, *, actor: Viewer | None) -> User:
    """Store a new staff account built by a form (its password already hashed)."""
    with transaction.atomic():
        user.save(force_insert=True)
        record_event(
            "user.create",
            project_id=None,
            actor=actor,
            object_type="user",
            object_id=user.pk,
            fields=["username", "password"] if user.has_usable_password() else ["username"],
            reason=user.get_username(),
        )
    return user


def do_update_user_account(
    user: User, changes: Mapping[str, object], *, actor: Viewer | None
) -> list[str]:
    """Change a staff account's names, e-mail or flags; returns the fields changed."""
    unknown = set(changes) - USER_FIELDS
    if unknown:
        raise ValueError(f"not editable here: {', '.join(sorted(unknown))}")
    changed = sorted(name for name, value in changes.items() if getattr(user, name) != value)
    if not changed:
        return []
    with transaction.atomic():
        for name in changed:
            setattr(user, name, changes[name])
        user.save(update_fields=changed)
        record_event(
            "user.update",
            project_id=None,
            actor=actor,
            object_type="user",
            object_id=user.pk,
            fields=changed,
            reason=user.get_username(),
        )
    return changed


# --- A project's manager at work: members and teams ---------------------------------------
# The actions below are what the members and teams screens call (projects/members_views.py).
# Each checks that the actor manages the project, refuses what would leave the project
# without a manager, and offers only the roles the project defines (no escalation beyond
# them), then writes one audit event per change in the same transaction.

TEAM_NAME_MAX = 100


class MembershipRefused(ValueError):
    """A change the rules refuse; its message is words for the person who asked."""


def _require_manager(actor: Viewer, project_id: ProjectId) -> None:
    if not actor.can("manage_project") or str(actor.project_id) != str(project_id):
        raise PermissionDenied


def manager_role_ids(project_id: ProjectId) -> set[int]:
    """The project's roles that may manage it."""
    roles = Role.objects.filter(project_id=project_id).only("pk", "permissions")
    return {role.pk for role in roles if "manage_project" in (role.permissions or [])}


def _check_keeps_a_manager(membership: Membership) -> None:
    """Refuse if ``membership`` is the project's last active manager. The managers' rows
    are locked (PostgreSQL): of two managers demoting each other at once, the second
    waits, then sees the first is no longer a manager, and is refused."""
    managers = list(
        Membership.objects.select_for_update(of=("self",))
        .filter(
            project_id=membership.project_id,
            is_active=True,
            user__is_active=True,
            role_id__in=manager_role_ids(membership.project_id),
        )
        .values_list("pk", flat=True)
    )
    if membership.pk in managers and len(managers) <= 1:
        raise MembershipRefused(
            _("This is the project's last manager: give another member the manager role first.")
        )


def _project_role(project_id: ProjectId, role_code: str) -> Role:
    role = Role.objects.filter(project_id=project_id, code=role_code).first()
    if role is None:
        raise MembershipRefused(_("This project has no such role."))
    return role


def do_add_existing_member(
    *, project_id: ProjectId, identifier: str, role_code: str, actor: Viewer
) -> Membership:
    """Add an existing staff account, found by user name or e-mail, to the project."""
    _require_manager(actor, project_id)
    _project_role(project_id, role_code)
    identifier = identifier.strip()
    users = list(
        User.objects.filter(Q(username__iexact=identifier) | Q(email__iexact=identifier)).filter(
            is_active=True
        )[:2]
        if identifier
        else []
    )
    if len(users) != 1:
        raise MembershipRefused(
            _("No single active account has that user name or e-mail: invite the person instead.")
        )
    if Membership.objects.filter(project_id=project_id, user=users[0], is_active=True).exists():
        raise MembershipRefused(_("That person is already a member of this project."))
    return do_add_member(project_id=project_id, user=users[0], role_code=role_code, actor=actor)


def do_invite_member(
    *,
    project_id: ProjectId,
    username: str,
    email: str,
    role_code: str,
    actor: Viewer,
    first_name: str = "",
    last_name: str = "",
    send_invitation: Callable[[User], None] | None = None,
) -> Membership:
    """Create a staff account with no password and add it to the project; once committed,
    ``send_invitation`` (a password-reset e-mail) lets the person choose their own."""
    _require_manager(actor, project_id)
    _project_role(project_id, role_code)
    if User.objects.filter(username__iexact=username).exists():
        raise MembershipRefused(_("That user name is taken: add the existing account instead."))
    if email and User.objects.filter(email__iexact=email).exists():
        raise MembershipRefused(_("An account has that e-mail: add the existing account instead."))
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    user.set_unusable_password()
    with transaction.atomic():
        do_create_user_account(user, actor=actor)
        membership = do_add_member(
            project_id=project_id, user=user, role_code=role_code, actor=actor
        )
        if send_invitation is not None:
            transaction.on_commit(lambda: send_invitation(user))
    return membership


def invitation_sender(request: HttpRequest) -> Callable[[User], None]:
    """allauth's password-reset e-mail as the invitation to choose a password: what
    ``do_invite_member`` runs once committed (no database write; the link expires like
    any reset link)."""

    def send(user: User) -> None:
        # Run after commit, perhaps once the request has left allauth's middleware.
        with request_context(request):
            form = ResetPasswordForm(data={"email": user.email})
            if form.is_valid():
                form.save(request)

    return send


def do_change_role(membership: Membership, role_code: str, *, actor: Viewer) -> bool:
    """Give a member another of the project's roles; False if it was already theirs."""
    _require_manager(actor, membership.project_id)
    role = _project_role(membership.project_id, role_code)
    if role.pk == membership.role_id:
        return False
    with transaction.atomic():
        if role.pk not in manager_role_ids(membership.project_id):
            _check_keeps_a_manager(membership)
        do_change_membership(membership, actor=actor, role_code=role_code)
    return True


def do_deactivate_member(membership: Membership, *, actor: Viewer) -> bool:
    """Take a member out of the project (the row stays, so its audit trail keeps a
    subject); False if they were not active."""
    _require_manager(actor, membership.project_id)
    if not membership.is_active:
        return False
    with transaction.atomic():
        _check_keeps_a_manager(membership)
        do_change_membership(membership, actor=actor, is_active=False)
    return True


def do_reactivate_member(membership: Membership, *, actor: Viewer) -> bool:
    _require_manager(actor, membership.project_id)
    if membership.is_active:
        return False
    do_change_membership(membership, actor=actor, is_active=True)
    return True


def do_edit_role(role: Role, permissions: Iterable[str], *, actor: Viewer) -> bool:
    """A manager's change to one of the project's roles. No escalation: they may give or
    take only permissions they hold themselves; and the project keeps an active manager.
    Audited as ``role.set_permissions``; False if nothing changed."""
    _require_manager(actor, role.project_id)
    wanted = set(permissions)
    if wanted - set(PERMISSIONS):
        raise MembershipRefused(_("That permission does not exist."))
    current = set(role.permissions or [])
    if (wanted ^ current) - actor.permissions:
        raise MembershipRefused(_("You can give or take only the permissions your own role holds."))
    with transaction.atomic():
        if "manage_project" in current - wanted:
            others = manager_role_ids(role.project_id) - {role.pk}
            managers = Membership.objects.select_for_update(of=("self",)).filter(
                project_id=role.project_id,
                is_active=True,
                user__is_active=True,
                role_id__in=others,
            )
            if not managers.exists():
                raise MembershipRefused(
                    _(
                        "The project would have no manager left: give another member a "
                        "manager role first."
                    )
                )
        return do_set_role_permissions(role, wanted, actor=actor)


def _clean_team_name(project_id: ProjectId, name: str, *, exclude: int | None = None) -> str:
    name = " ".join(name.split())
    if not name or len(name) > TEAM_NAME_MAX:
        raise MembershipRefused(
            _("A team's name has 1 to %(n)d characters.") % {"n": TEAM_NAME_MAX}
        )
    taken = Team.objects.filter(project_id=project_id, name__iexact=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise MembershipRefused(_("The project already has a team of that name."))
    return name


def do_create_team(*, project_id: ProjectId, name: str, actor: Viewer) -> Team:
    _require_manager(actor, project_id)
    team = Team(project_id=project_id, name=_clean_team_name(project_id, name))
    with transaction.atomic():
        team.save(force_insert=True)
        record_event(
            "team.create",
            project_id=project_id,
            actor=actor,
            object_type="team",
            object_id=team.pk,
            fields=["name"],
            reason=team.name,
        )
    return team


def do_rename_team(team: Team, name: str, *, actor: Viewer) -> bool:
    _require_manager(actor, team.project_id)
    name = _clean_team_name(team.project_id, name, exclude=team.pk)
    if name == team.name:
        return False
    old = team.name
    with transaction.atomic():
        team.name = name
        team.save(update_fields=["name"])
        record_event(
            "team.rename",
            project_id=team.project_id,
            actor=actor,
            object_type="team",
            object_id=team.pk,
            fields=["name"],
            reason=f"{old} -> {name}",
        )
    return True


def do_delete_team(team: Team, *, actor: Viewer) -> None:
    """Delete a team. Its records stay, assigned to no team (``Feedback.team`` is SET_NULL):
    the team's deletion is their audit event, their own trails keep the earlier assignment."""
    _require_manager(actor, team.project_id)
    with transaction.atomic():
        record_event(
            "team.delete",
            project_id=team.project_id,
            actor=actor,
            object_type="team",
            object_id=team.pk,
            fields=["name"],
            reason=team.name,
        )
        team.delete()


def _team_event(action: str, team: Team, membership: Membership, actor: Viewer) -> None:
    record_event(
        action,
        project_id=team.project_id,
        actor=actor,
        object_type="team",
        object_id=team.pk,
        fields=["members.user"],
        reason=f"{membership.user.get_username()} in {team.name}",
    )


def do_add_team_member(team: Team, membership: Membership, *, actor: Viewer) -> bool:
    """Put an active member of the team's project in the team; False if already in it."""
    _require_manager(actor, team.project_id)
    if membership.project_id != team.project_id or not membership.is_active:
        raise MembershipRefused(_("Only an active member of this project can join its teams."))
    with transaction.atomic():
        _row, created = TeamMember.objects.get_or_create(team=team, membership=membership)
        if created:
            _team_event("team.add_member", team, membership, actor)
    return created


def do_remove_team_member(team: Team, membership: Membership, *, actor: Viewer) -> bool:
    _require_manager(actor, team.project_id)
    with transaction.atomic():
        removed, _counts = TeamMember.objects.filter(team=team, membership=membership).delete()
        if removed:
            _team_event("team.remove_member", team, membership, actor)
    return bool(removed)


def do_set_member_teams(
    membership: Membership, team_ids: Iterable[int], *, actor: Viewer
) -> list[str]:
    """Put a member in exactly these teams of the project (one transaction); returns the
    names of the teams they joined or left."""
    _require_manager(actor, membership.project_id)
    wanted = set(team_ids)
    teams = {t.pk: t for t in Team.objects.filter(project_id=membership.project_id)}
    if wanted - set(teams):
        raise MembershipRefused(_("That team is not one of this project's."))
    current = set(
        TeamMember.objects.filter(membership=membership).values_list("team_id", flat=True)
    )
    changed: list[str] = []
    with transaction.atomic():
        for team_id in sorted(wanted - current):
            if do_add_team_member(teams[team_id], membership, actor=actor):
                changed.append(teams[team_id].name)
        for team_id in sorted(current - wanted):
            if do_remove_team_member(teams[team_id], membership, actor=actor):
                changed.append(teams[team_id].name)
    return changed
