from __future__ import annotations

from django.db import transaction

from responsemap.accounts.models import Membership, Role, User
from responsemap.accounts.permissions import DEFAULT_ROLES
from responsemap.projects.models import Organisation, Project
from responsemap.protection.audit import record_event
from responsemap.protection.keyring import get_keyring


def do_create_project(
    *,
    organisation: Organisation,
    name: str,
    slug: str,
    country: str,
    languages: list[str],
    purpose: str,
    retention_days: int = 730,
    status: str = Project.Status.DESIGN,
) -> Project:
    """Create a project with its own data key and the default roles.

    The key is created before the transaction commits so the project's records can be
    sealed at once; if the transaction fails, an unused key file is left behind, which
    holds nothing.
    """
    with transaction.atomic():
        project = Project.objects.create(
            organisation=organisation,
            name=name,
            slug=slug,
            country=country.upper(),
            languages=languages,
            purpose=purpose,
            retention_days=retention_days,
            status=status,
        )
        get_keyring().create(project.pk)
        Role.objects.bulk_create(
            Role(
                project=project,
                code=code,
                label=str(spec["label"]),
                permissions=list(spec["permissions"]),  # type: ignore[call-overload]
            )
            for code, spec in DEFAULT_ROLES.items()
        )
        record_event(
            "project.create", project_id=project.pk, object_type="project", object_id=project.pk
        )
    return project


def do_add_member(*, project: Project, user: User, role_code: str) -> Membership:
    with transaction.atomic():
        role = Role.objects.get(project=project, code=role_code)
        membership, _ = Membership.objects.update_or_create(
            user=user, project=project, defaults={"role": role, "is_active": True}
        )
        record_event(
            "membership.grant",
            project_id=project.pk,
            object_type="membership",
            object_id=membership.pk,
            reason=f"{user.get_username()} as {role_code}",
        )
    return membership
