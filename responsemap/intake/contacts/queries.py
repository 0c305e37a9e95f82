"""Read helpers for contacts and the consent notices they are shown."""

from __future__ import annotations

import re

from django.db.models import Case, OuterRef, Q, QuerySet, Subquery, Value, When

from responsemap.intake.contacts.models import ConsentNotice, IdPatternTimeout, IntakePolicy
from responsemap.projects.models import Project
from responsemap.protection.viewer import ProjectId


def consent_notices_of(project_id: ProjectId) -> list[ConsentNotice]:
    """Every version of the project's consent notices, newest first per language."""
    return list(
        ConsentNotice.objects.filter(project_id=project_id).order_by("language", "-version")
    )


NOTICE_LABEL = re.compile(r"(?P<language>[a-z]{2,3}(?:-[a-z0-9]{2,8})?)-v(?P<version>\d{1,6})")


def consent_notice_versions(
    project_id: ProjectId, *, language: str = "", search: str = "", current_only: bool = False
) -> QuerySet[ConsentNotice]:
    """The project's notice versions for the manager's list, newest first per language:
    of one ``language``; whose text, sharing or rights words hold ``search`` (or whose
    label it is, "fr-v2"); only the version now in force per language."""
    notices = ConsentNotice.objects.filter(project_id=project_id)
    if language:
        notices = notices.filter(language=language)
    search = " ".join(search.split())
    if search:
        words = Q(text__icontains=search) | Q(sharing__icontains=search)
        words |= Q(rights__icontains=search)
        label = NOTICE_LABEL.fullmatch(search.lower())
        if label:
            words |= Q(language=label["language"], version=int(label["version"]))
        notices = notices.filter(words)
    if current_only:
        newest = ConsentNotice.objects.filter(
            project_id=project_id, language=OuterRef("language")
        ).order_by("-version")
        notices = notices.filter(version=Subquery(newest.values("version")[:1]))
    return notices.order_by("language", "-version")


def notice_languages(project_id: ProjectId) -> list[str]:
    """The languages the project has notices in."""
    found = ConsentNotice.objects.filter(project_id=project_id).values_list("language", flat=True)
    return sorted(set(found))


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
