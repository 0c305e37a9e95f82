"""Turns a stored inbound message into a feedback record (registered with intake's
processors in TriageConfig.ready)."""

from __future__ import annotations

from django.db import transaction

from responsemap.intake.models import InboundMessage
from responsemap.protection.present import open_for_system
from responsemap.triage.choices import Channel
from responsemap.triage.models import Feedback
from responsemap.triage.tasks import redact_feedback

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
    feedback.content = open_for_system(message, "text", purpose="create feedback") or ""
    feedback.save(force_insert=True)
    transaction.on_commit(lambda: redact_feedback.enqueue(str(feedback.pk)))
