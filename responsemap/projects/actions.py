"""Creating organisations and projects and changing a project's settings; each action is
atomic and writes its audit event in the same transaction.

A project's status (design, active, closed, destroyed) is not a setting: it moves only
through the project lifecycle, never through ``do_update_project_settings``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from responsemap.accounts.models import Role
from responsemap.accounts.permissions import DEFAULT_ROLES
from responsemap.lib.timezones import is_zone
from responsemap.projects.models import Organisation, OrganisationAdmin, Project
from responsemap.protection.audit import record_event, start_project_chain
from responsemap.protection.keyring import get_keyring
from responsemap.protection.viewer import Viewer


class InvalidSetting(ValueError):
    pass


# The settings an admin or manager may change; each change is named in the audit event.
PROJECT_SETTINGS = frozenset(
    ["name", "country", "languages", "purpose", "retention_days", "time_zone"]
)
# What a project's creator sets about its data's protection (projects.creation).
PROTECTION_FIELDS = frozenset(
    [
        "sensitivity",
        "sensitivity_review_on",
        "data_controller",
        "controller_organisation",
        "processors",
        "id_patterns",
        "review_interval_days",
    ]
)


def do_create_project(
    *,
    organisation: Organisation,
    name: str,
    slug: str,
    country: str,
    languages: list[str],
    purpose: str,
    retention_days: int = 730,
    time_zone: str = "",
    status: str = Project.Status.DESIGN,
    protection: Mapping[str, object] | None = None,
    created_by: Any = None,
) -> Project:
    """Create a project with its own data key and the default roles.

    The key is created before the transaction commits so the project's records can be
    sealed at once; if the transaction fails, an unused key file is left behind, which
    holds nothing. ``protection`` sets the data-protection fields (``PROTECTION_FIELDS``:
    sensitivity, controller, processors, ID patterns, review interval); ``created_by``
    (a user, an organisation's administrator) is named in the audit event.
    """
    extra = dict(protection or {})
    unknown = set(extra) - PROTECTION_FIELDS
    if unknown:
        raise InvalidSetting(f"not a project field: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        project = Project.objects.create(
            organisation=organisation,
            name=name,
            slug=slug,
            country=country.upper(),
            languages=languages,
            purpose=purpose,
            retention_days=retention_days,
            time_zone=check_time_zone(time_zone),
            status=status,
            **extra,
        )
        get_keyring().create(project.pk)
        start_project_chain(project.pk)  # first: verify_audit expects it (ADR 0007)
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
            "project.create",
            project_id=project.pk,
            object_type="project",
            object_id=project.pk,
            fields=sorted(extra),
            details={"created_by": created_by.get_username()} if created_by else None,
        )
    return project


def do_create_organisation(*, name: str, slug: str, actor: Viewer | None = None) -> Organisation:
    with transaction.atomic():
        organisation = Organisation.objects.create(name=name, slug=slug)
        record_event(
            "organisation.create",
            project_id=None,
            actor=actor,
            object_type="organisation",
            object_id=organisation.pk,
            fields=["name", "slug"],
        )
    return organisation


def check_languages(value: object) -> list[str]:
    """A project's languages: a list of language codes, the first the default."""
    if not isinstance(value, list) or not all(isinstance(code, str) and code for code in value):
        raise InvalidSetting('languages must be a list of language codes, e.g. ["fr", "en"]')
    return value


def check_time_zone(value: object) -> str:
    """A time zone's name (``Africa/Mogadishu``), or "" for the country's."""
    name = str(value or "").strip()
    if name and not is_zone(name):
        raise InvalidSetting(f"not a time zone: {name}")
    return name


def do_update_project_settings(
    project: Project, changes: Mapping[str, object], *, actor: Viewer | None
) -> list[str]:
    """Apply ``changes`` (setting name → new value) to the project; returns the names of
    the settings that really changed, all named in one audit event."""
    unknown = set(changes) - PROJECT_SETTINGS
    if unknown:
        raise InvalidSetting(f"not a project setting: {', '.join(sorted(unknown))}")
    values = dict(changes)
    if "country" in values:
        values["country"] = str(values["country"]).upper()
    if "languages" in values:
        values["languages"] = check_languages(values["languages"])
    if "time_zone" in values:
        values["time_zone"] = check_time_zone(values["time_zone"])
    changed = sorted(name for name, value in values.items() if getattr(project, name) != value)
    if not changed:
        return []
    with transaction.atomic():
        for name in changed:
            setattr(project, name, values[name])
        project.save(update_fields=changed)
        record_event(
            "project.update_settings",
            project_id=project.pk,
            actor=actor,
            object_type="project",
            object_id=project.pk,
            fields=changed,
        )
    return changed


def do_add_organisation_admin(
    *, organisation: Organisation, user: Any, actor: Viewer | None = None
) -> OrganisationAdmin:
    """Let ``user`` create projects for ``organisation`` (nothing changes if they already
    could)."""
    with transaction.atomic():
        row, created = OrganisationAdmin.objects.get_or_create(organisation=organisation, user=user)
        if created:
            record_event(
                "organisation.add_admin",
                project_id=None,
                actor=actor,
                object_type="organisation",
                object_id=organisation.pk,
                fields=["user"],
            )
    return row
