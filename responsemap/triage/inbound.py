"""Turns stored inbound messages into feedback records, a batch at a time (registered
with intake's sweep_steps in TriageConfig.ready)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable

from responsemap.geo.locate import AreaNames
from responsemap.intake.messages.models import InboundMessage
from responsemap.lib import rawsql
from responsemap.projects.models import Project
from responsemap.protection.present import open_for_system
from responsemap.protection.redaction import RedactionPolicy
from responsemap.triage.choices import Source
from responsemap.triage.models import Feedback
from responsemap.triage.tasks import apply_redaction, redaction_policy

SOURCE_OF_KIND = {
    "telegram": Source.TELEGRAM,
    "whatsapp": Source.WHATSAPP,
}


# A worker reuses what it loaded about a project (redaction policy, area names) for
# this long: sweeps come several times a second, and loading 150 areas each time cost
# more than the messages. A new ID pattern or area applies within this many seconds.
PROJECT_CACHE_SECONDS = 30.0
_projects: dict[uuid.UUID, tuple[float, Project, RedactionPolicy, AreaNames]] = {}


def create_feedback_from_inbound(messages: list[InboundMessage]) -> None:
    """One feedback record per message (idempotent on the message id), redacted and
    placed in the area its text names; one plain-SQL insert per batch. The message's receipt
    event, and the message id kept as the record's provider id, tell where it came from;
    a system creation event per record would double the audit log for nothing more."""
    done = _already_made(messages)
    made = []
    for message in messages:
        if str(message.pk) in done:
            continue
        project, policy, areas = _project_context(message.project_id)
        feedback = Feedback(
            project=project,
            source=SOURCE_OF_KIND.get(message.channel.kind, Source.SMS),
            provider_message_id=str(message.pk),
            received_at=message.received_at,
            contact=message.contact,
            language=message.contact.language if message.contact else "",
        )
        text = open_for_system(message, "text", purpose="create feedback") or ""
        feedback.content = text
        # Already in the worker, after the message was safely stored: redact here
        # rather than through a second task.
        apply_redaction(feedback, text, policy, areas)
        made.append(feedback)
    rawsql.insert_objects(made)


def _project_context(project_id: uuid.UUID) -> tuple[Project, RedactionPolicy, AreaNames]:
    now = time.monotonic()
    cached = _projects.get(project_id)
    if cached is None or now - cached[0] > PROJECT_CACHE_SECONDS:
        project = Project.objects.get(pk=project_id)
        cached = (now, project, redaction_policy(project), AreaNames(project.pk))
        _projects[project_id] = cached
    return cached[1], cached[2], cached[3]


def _already_made(messages: Iterable[InboundMessage]) -> set[str]:
    messages = list(messages)
    made = Feedback.objects.filter(
        project_id__in={m.project_id for m in messages},
        source__in={*SOURCE_OF_KIND.values(), Source.SMS},
        provider_message_id__in=[str(m.pk) for m in messages],
    )
    return set(made.values_list("provider_message_id", flat=True))
