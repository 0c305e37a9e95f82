"""Training a project's own suggestion model.

What staff decide is what a project's model learns from: its records coded by a person
(at entry — the hotline form, an import's columns — or by a re-code), each with its
redacted copy (personal details removed), opened for the system (purpose
``suggest_codes``), joined to the shipped examples and weighted above them. The weights
are sealed under the project's key; one ``suggestion_model.train`` event each.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, replace

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from responsemap.protection.audit import record_event
from responsemap.protection.present import open_for_system
from responsemap.protection.system_opens import SystemPurpose
from responsemap.triage.choices import FeedbackType, Sector, Urgency
from responsemap.triage.models import Feedback
from responsemap.triage.suggestions.dataset import Example, load_examples
from responsemap.triage.suggestions.loading import forget_project
from responsemap.triage.suggestions.model import train
from responsemap.triage.suggestions.models import ProjectModel

# A project's own decisions count this many times a shipped example.
PROJECT_WEIGHT = 3.0
# The newest coded records a project's model learns from.
MAX_PROJECT_EXAMPLES = 5000
# Fewer than this and a project keeps the shipped model.
MIN_PROJECT_EXAMPLES = 20


@dataclass(frozen=True)
class Trained:
    version: int
    examples: int
    project_examples: int


def project_examples(
    project_id: uuid.UUID | str, limit: int = MAX_PROJECT_EXAMPLES
) -> list[Example]:
    """The project's records coded by a person (type and sector set), newest first,
    each with its redacted copy; records not yet redacted are left out."""
    rows = (
        Feedback.objects.filter(project_id=project_id, redacted_at__isnull=False)
        .exclude(type_code=FeedbackType.UNCODED)
        .exclude(sector=Sector.UNCODED)
        .order_by("-received_at")[:limit]
    )
    found: list[Example] = []
    for record in rows:
        text = open_for_system(record, "redacted_content", purpose=SystemPurpose.SUGGEST_CODES)
        if text:
            found.append(
                Example(
                    text=text,
                    type_code=record.type_code,
                    sector=record.sector,
                    urgent=record.urgency in (Urgency.HIGH, Urgency.CRITICAL),
                    weight=PROJECT_WEIGHT,
                )
            )
    return found


def do_train_project_model(
    project_id: uuid.UUID | str, *, minimum: int | None = None
) -> Trained | None:
    """Learn the project's model from the shipped examples and its staff's coding; store
    it as the project's next version (sealed). None when the project has fewer than
    ``minimum`` coded records: its suggestions stay with the shipped model."""
    own = project_examples(project_id)
    if len(own) < (MIN_PROJECT_EXAMPLES if minimum is None else minimum):
        return None
    shipped = [replace(e, weight=1.0) for e in load_examples()]
    suggester = train(shipped + own)
    with transaction.atomic():
        newest = ProjectModel.objects.filter(project_id=project_id).aggregate(n=Max("version"))
        version = (newest["n"] or 0) + 1
        row = ProjectModel(
            project_id=project_id,
            version=version,
            examples=len(shipped) + len(own),
            project_examples=len(own),
            trained_at=timezone.now(),
        )
        row.weights = base64.b64encode(suggester.to_bytes()).decode("ascii")
        row.save(force_insert=True)
        record_event(
            "suggestion_model.train",
            project_id=project_id,
            object_type="project",
            object_id=project_id,
            fields=["weights"],
            reason=f"examples={len(own)}",
            purpose=f"version={version}",
        )
    forget_project(str(project_id))
    return Trained(version, len(shipped) + len(own), len(own))
