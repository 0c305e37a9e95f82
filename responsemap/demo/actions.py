"""The demo's one write that is not a record's birth: its invented triage state."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from responsemap.protection.audit import record_event
from responsemap.protection.viewer import ProjectId
from responsemap.triage.models import Feedback

SEEDED_FIELDS = ["status", "lat", "lon", "assignee"]


def do_seed_triage_state(project_id: ProjectId, records: Sequence[Feedback]) -> None:
    """Store the status, assignee and position already set on ``records`` (invented demo
    feedback, born through ``do_create_feedback``) in one bulk update, recorded by a
    single ``demo.seed`` event: a seed of thousands needs no event per record."""
    with transaction.atomic():
        Feedback.objects.bulk_update(records, SEEDED_FIELDS, batch_size=500)
        record_event(
            "demo.seed",
            project_id=project_id,
            object_type="project",
            object_id=project_id,
            fields=SEEDED_FIELDS,
            reason=f"{len(records)} invented demo records; status, assignee, position set in bulk",
        )
