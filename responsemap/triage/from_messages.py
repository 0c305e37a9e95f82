"""Feedback from received messages: the worker's sweep step (registered with intake's
``sweep_steps`` in TriageConfig.ready). The records are born like any other, through
``do_create_feedback_batch``: one batch of messages, one insert of records and one of
their audit events (system actor), redacted here as the text is open already."""

from __future__ import annotations

from responsemap.intake.messages.models import InboundMessage
from responsemap.protection.present import open_for_system
from responsemap.protection.system_opens import SystemPurpose
from responsemap.triage.actions import NewFeedback, do_create_feedback_batch
from responsemap.triage.choices import Source
from responsemap.triage.status_lookup.receipts import do_queue_receipts
from responsemap.triage.status_lookup.sms import answer_status_queries

SOURCE_OF_KIND = {
    "telegram": Source.TELEGRAM,
    "whatsapp": Source.WHATSAPP,
}


def make_feedback_from_messages(messages: list[InboundMessage]) -> None:
    """One record per message (none if it has one already: a batch done again)."""
    texts = {
        message.pk: open_for_system(message, "text", purpose=SystemPurpose.CREATE_FEEDBACK) or ""
        for message in messages
    }
    # A status query ("STATUS D4EN-ACC6") is answered with its stage and makes no record.
    messages = answer_status_queries(messages, texts)
    items = [
        NewFeedback(
            source=SOURCE_OF_KIND.get(message.channel.kind, Source.SMS),
            content=texts[message.pk],
            received_at=message.received_at,
            contact=message.contact,
            language=message.contact.language if message.contact else "",
            inbound_message_id=message.pk,
        )
        for message in messages
    ]
    projects = [message.channel.project for message in messages]
    made = do_create_feedback_batch(projects, items, actor=None, redact_now=True)
    # A receipt with each new record's reference code, on the channel it came in on
    # (status_lookup.receipts): none for a batch done again, which makes no record.
    do_queue_receipts(made, messages)
