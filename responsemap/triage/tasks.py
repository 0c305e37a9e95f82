"""Worker tasks of triage."""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from responsemap.protection.audit import record_event
from responsemap.protection.present import open_for_system
from responsemap.protection.system_opens import SystemPurpose
from responsemap.triage.models import Feedback
from responsemap.triage.redaction import apply_redaction, write_search_tokens


@task()
def redact_feedback(feedback_id: str) -> None:
    """Write the redacted copy and, if the text names an area, place the record there
    (for records not redacted as they were made: hotline, web form, import)."""
    with transaction.atomic():
        feedback = (
            Feedback.objects.select_for_update()
            .select_related("project")
            .filter(pk=feedback_id, redacted_at__isnull=True)
            .first()
        )
        if feedback is None:
            return
        text = open_for_system(feedback, "content", purpose=SystemPurpose.REDACT) or ""
        fields = apply_redaction(feedback, text)
        feedback.save(update_fields=fields)
        write_search_tokens([feedback], replace=True)
        # A system change of the record, audited like any other (names, never values).
        record_event(
            "feedback.redact",
            project_id=feedback.project_id,
            object_type="feedback",
            object_id=feedback.pk,
            fields=[f for f in fields if f != "redacted_at"],
        )
