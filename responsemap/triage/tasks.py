"""Worker tasks of triage."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from responsemap.geo.locate import AreaNames
from responsemap.intake.contacts.models import IntakePolicy
from responsemap.projects.models import Project
from responsemap.protection.present import open_for_system
from responsemap.protection.redaction import RedactionPolicy, redact
from responsemap.triage.models import Feedback


def redaction_policy(project: Project) -> RedactionPolicy:
    policy = IntakePolicy.objects.filter(project_id=project.pk).first()
    return RedactionPolicy(
        country=project.country,
        languages=tuple(project.languages),
        id_patterns=tuple(policy.id_patterns) if policy else (),
    )


@task()
def redact_feedback(feedback_id: str) -> None:
    """Write the redacted copy and, if the text names an area, place the record there."""
    with transaction.atomic():
        feedback = (
            Feedback.objects.select_for_update()
            .select_related("project")
            .filter(pk=feedback_id, redacted_at__isnull=True)
            .first()
        )
        if feedback is None:
            return
        text = open_for_system(feedback, "content", purpose="redaction") or ""
        feedback.save(update_fields=apply_redaction(feedback, text))


def apply_redaction(
    feedback: Feedback,
    text: str,
    policy: RedactionPolicy | None = None,
    areas: AreaNames | None = None,
) -> list[str]:
    """Fill the redacted copy (and the area, if the text names one); returns the fields
    changed. A batch passes the project's ``policy`` and ``areas``, loaded once."""
    policy = policy or redaction_policy(feedback.project)
    feedback.redacted_content = redact(text, policy)
    feedback.redacted_at = timezone.now()
    fields = ["redacted_content", "redacted_at"]
    if feedback.area_id is None:
        # The original, not the redacted copy: the redactor may take a place for a
        # person ("Jérémie" is both), and an area is not a personal detail.
        area = (areas or AreaNames(feedback.project_id)).find(text)
        if area is not None:
            feedback.area = area
            fields.append("area")
    return fields
