"""Turns stored inbound messages into feedback records, a batch at a time (registered
with intake's processors in TriageConfig.ready)."""

from __future__ import annotations

from collections.abc import Iterable

from responsemap.geo.locate import AreaNames
from responsemap.intake.models import InboundMessage
from responsemap.projects.models import Project
from responsemap.protection.present import open_for_system
from responsemap.triage.choices import Channel
from responsemap.triage.models import Feedback
from responsemap.triage.tasks import apply_redaction, redaction_policy

FEEDBACK_CHANNEL = {
    "telegram": Channel.TELEGRAM,
    "whatsapp": Channel.WHATSAPP,
}


def create_feedback_from_inbound(messages: list[InboundMessage]) -> None:
    """One feedback record per message (idempotent on the message id), redacted and
    placed in the area its text names; one insert per batch. The message's receipt
    event, and the message id kept as the record's provider id, tell where it came from;
    a system creation event per record would double the audit log for nothing more."""
    projects = Project.objects.in_bulk({m.project_id for m in messages})
    done = _already_made(messages)
    context = {}
    made = []
    for message in messages:
        if str(message.pk) in done:
            continue
        if message.project_id not in context:
            project = projects[message.project_id]
            context[message.project_id] = (redaction_policy(project), AreaNames(project.pk))
        policy, areas = context[message.project_id]
        feedback = Feedback(
            project=projects[message.project_id],
            channel=FEEDBACK_CHANNEL.get(message.channel.kind, Channel.SMS),
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
    Feedback.objects.bulk_create(made)


def _already_made(messages: Iterable[InboundMessage]) -> set[str]:
    messages = list(messages)
    made = Feedback.objects.filter(
        project_id__in={m.project_id for m in messages},
        channel__in={*FEEDBACK_CHANNEL.values(), Channel.SMS},
        provider_message_id__in=[str(m.pk) for m in messages],
    )
    return set(made.values_list("provider_message_id", flat=True))
