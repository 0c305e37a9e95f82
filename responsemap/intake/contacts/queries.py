"""Read helpers for contacts and the consent notices they are shown."""

from __future__ import annotations

from django.db.models import Case, Value, When

from responsemap.intake.contacts.models import ConsentNotice, IdPatternTimeout, IntakePolicy
from responsemap.projects.models import Project
from responsemap.protection.viewer import ProjectId


def consent_notices_of(project_id: ProjectId) -> list[ConsentNotice]:
    """Every version of the project's consent notices, newest first per language."""
    return list(
        ConsentNotice.objects.filter(project_id=project_id).order_by("language", "-version")
    )


def current_consent_notice(project: Project, language: str) -> ConsentNotice | None:
    """The notice a person is shown (web form, hotline) or sent (a new number's first
    message): the latest in their ``language``, else in the project's default language,
    else the latest in another — a notice they may not read well is better than none.
    The one place this choice is made; one query."""
    preferred = Case(
        When(language=language, then=Value(0)),
        When(language=project.default_language, then=Value(1)),
        default=Value(2),
    )
    return (
        ConsentNotice.objects.filter(project_id=project.pk)
        .annotate(preferred=preferred)
        .order_by("preferred", "language", "-version")
        .first()
    )


def intake_policy_of(project_id: ProjectId) -> IntakePolicy | None:
    """The project's intake policy (ID patterns, redaction words), if it has one."""
    return IntakePolicy.objects.filter(project_id=project_id).first()


def id_pattern_timeouts(project_id: ProjectId, patterns: list[str]) -> list[IdPatternTimeout]:
    """How often each of ``patterns`` (those in use) ran out of time on a message."""
    return list(
        IdPatternTimeout.objects.filter(project_id=project_id, pattern__in=patterns).order_by(
            "-last_at"
        )
    )
