"""Read helpers for contacts and the consent notices they are shown."""

from __future__ import annotations

from responsemap.intake.contacts.models import ConsentNotice
from responsemap.projects.models import Project
from responsemap.protection.viewer import ProjectId


def consent_notices_of(project_id: ProjectId) -> list[ConsentNotice]:
    """Every version of the project's consent notices, newest first per language."""
    return list(
        ConsentNotice.objects.filter(project_id=project_id).order_by("language", "-version")
    )


def current_consent_notice(project: Project, language: str) -> ConsentNotice | None:
    """The latest notice in ``language``, else the latest in the project's default one."""
    for code in dict.fromkeys([language, project.default_language]):
        notice = (
            ConsentNotice.objects.filter(project_id=project.pk, language=code)
            .order_by("-version")
            .first()
        )
        if notice is not None:
            return notice
    return None
