"""Changing who may do what: memberships, role permissions and staff accounts.

Each action is atomic and writes one audit event in the same transaction, naming the
fields it changed. Membership and role events go to the project's chain; staff account
events to the system chain (a user belongs to no project). The Django admin saves
through these too (``protection/admin.py``), acting as the signed-in admin.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import transaction

from responsemap.accounts.models import Membership, Role, User
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
