"""Turns a stored inbound message into a feedback record (registered with intake's
processors in TriageConfig.ready)."""

from __future__ import annotations

from responsemap.intake.models import InboundMessage
from responsemap.protection.present import open_for_system
from responsemap.triage.choices import Channel
from responsemap.triage.models import Feedback
from responsemap.triage.tasks import apply_redaction

FEEDBACK_CHANNEL = {
    "telegram": Channel.TELEGRAM,
    "whatsapp": Channel.WHATSAPP,
}


def create_feedback_from_inbound(message: InboundMessage) -> None:
    channel = FEEDBACK_CHANNEL.get(message.channel.kind, Channel.SMS)
    if Feedback.objects.filter(
        project_id=message.project_id, channel=channel, provider_message_id=str(message.pk)
    ).exists():
        return
    feedback = Feedback(
        project_id=message.project_id,
        channel=channel,
        provider_message_id=str(message.pk),
        received_at=message.received_at,
        contact=message.contact,
        language=message.contact.language if message.contact else "",
    )
    text = open_for_system(message, "text", purpose="create feedback") or ""
    feedback.content = text
    # Already in the worker, after the message was safely stored: redact here rather
    # than through a second task (one task per message instead of two).
    apply_redaction(feedback, text)
    feedback.save(force_insert=True)
