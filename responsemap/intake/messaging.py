"""Receiving and sending messages: the ``do_*`` actions of the channels.

Design:
- ``do_receive_message`` stores the message (sealed text, contact by blind index) and
  its audit event atomically, before the gateway gets its answer: from a phone number
  in one statement, the contact made there if new (``receipt``); from a handle, or a
  STOP/START keyword, through the ORM. The unique (channel, provider message id)
  constraint makes a replayed webhook a no-op.
- Opt-out is decided here, at receipt, so it takes effect before anything else runs.
- ``do_queue_outbound`` is the only way a message leaves: it refuses an opted-out
  contact (the row is kept as "blocked" so the refusal is visible), and only the
  opt-out confirmation itself passes.
- Sending runs in the worker, enqueued after commit; the consent notice to a new
  contact, redaction and feedback creation run in the worker's sweeps of received
  messages (``tasks.process_received``), in that order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from responsemap.intake.actions import (
    do_get_or_create_contact,
    do_get_or_create_contact_by_handle,
    do_record_consent,
)
from responsemap.intake.channels.base import Inbound
from responsemap.intake.keywords import classify, confirmation
from responsemap.intake.models import (
    Channel,
    ConsentNotice,
    ConsentRecord,
    Contact,
    InboundMessage,
    IntakePolicy,
    OutboundMessage,
)
from responsemap.intake.phones import InvalidPhone
from responsemap.intake.receipt import Outcome, receipt_event, store_from_phone
from responsemap.intake.tasks import schedule_processing, send_outbound
from responsemap.protection.audit import deferred_chaining, record_event, record_events
from responsemap.protection.viewer import Viewer

OPT_OUT_EXEMPT = {OutboundMessage.Purpose.OPT_OUT_CONFIRMATION}


@dataclass(frozen=True)
class Received:
    message: InboundMessage
    created: bool


def _resolve_contact(channel: Channel, inbound: Inbound, country: str) -> tuple[Contact, bool]:
    if not inbound.is_handle:
        try:
            return do_get_or_create_contact(
                project_id=channel.project_id, country=country, raw_phone=inbound.sender
            )
        except InvalidPhone:
            pass  # short codes and alphanumeric senders: keep them as a handle
    # A handle is always namespaced by the channel's own kind, so a relay can't pose as
    # another channel's contact ("telegram:123" sent through a webhook).
    handle = inbound.sender
    if not handle.startswith(f"{channel.kind}:"):
        handle = f"{channel.kind}:{handle}"
    return do_get_or_create_contact_by_handle(project_id=channel.project_id, handle=handle)


def do_receive_message(
    channel: Channel,
    inbound: Inbound,
    *,
    stop_words: Iterable[str] | None = None,
    start_words: Iterable[str] | None = None,
) -> Received:
    """Store one inbound message and its audit event, atomically.

    ``stop_words``/``start_words``: the project's extra keywords, if the caller has them
    (the inbound view caches them per channel); else they are read from its policy.
    """
    if stop_words is None or start_words is None:
        policy = IntakePolicy.objects.filter(project_id=channel.project_id).first()
        stop_words = policy.stop_words if policy else ()
        start_words = policy.start_words if policy else ()
    kind = classify(inbound.text, stop_words, start_words)
    if kind == InboundMessage.Kind.MESSAGE and not inbound.is_handle:
        outcome, message = store_from_phone(channel, inbound)
        if outcome == Outcome.STORED and message is not None:
            transaction.on_commit(schedule_processing)
            return Received(message, created=True)
        if outcome == Outcome.REPLAY:
            existing = InboundMessage.objects.get(
                channel=channel, provider_message_id=inbound.provider_message_id
            )
            return Received(existing, created=False)
    return _receive_with_contact(channel, inbound, kind)


def _receive_with_contact(channel: Channel, inbound: Inbound, kind: str) -> Received:
    """A message from a handle, an opt-out/opt-in keyword, or one that lost a race to
    make its contact: through the ORM, the contact made if new, a confirmation queued,
    all in one transaction."""
    existing = InboundMessage.objects.filter(
        channel=channel, provider_message_id=inbound.provider_message_id
    ).first()
    if existing is not None:
        return Received(existing, created=False)
    project = channel.project
    try:
        with transaction.atomic(), deferred_chaining():
            contact, new_contact = _resolve_contact(channel, inbound, project.country)
            message = InboundMessage(
                project_id=channel.project_id,
                channel=channel,
                provider_message_id=inbound.provider_message_id,
                contact=contact,
                kind=kind,
                sent_at=inbound.sent_at,
                received_at=timezone.now(),
                meta=inbound.meta,
                # The worker sends the consent notice as it processes the message.
                new_contact=new_contact and kind == InboundMessage.Kind.MESSAGE,
            )
            message.text = inbound.text
            message.save(force_insert=True)
            record_events([receipt_event(channel, message.pk)])
            if kind == InboundMessage.Kind.OPT_OUT:
                do_opt_out(contact, channel, message)
            elif kind == InboundMessage.Kind.OPT_IN:
                do_opt_in(contact, channel, message)
            # Its receipt event waits to be chained, whatever the kind.
            transaction.on_commit(schedule_processing)
    except IntegrityError:
        # The same message id arrived twice at once; the other request stored it.
        again = InboundMessage.objects.get(
            channel=channel, provider_message_id=inbound.provider_message_id
        )
        return Received(again, created=False)
    return Received(message, created=True)


def send_consent_notices(messages: list[InboundMessage]) -> None:
    """The worker's first processor: a first message from a contact gets the project's
    consent notice, in the contact's language (else the project's), recorded as a
    consent record naming the notice's version."""
    for message in messages:
        if message.new_contact and message.contact is not None:
            _send_consent_notice(message.contact, message.channel, message)


def _send_consent_notice(contact: Contact, channel: Channel, message: InboundMessage) -> None:
    if ConsentRecord.objects.filter(
        contact=contact, method=ConsentRecord.Method.SMS_NOTICE
    ).exists():
        return  # told already (a batch processed again after a rollback)
    language = contact.language or channel.project.default_language or "en"
    notice = (
        ConsentNotice.objects.filter(project_id=channel.project_id, language=language)
        .order_by("-version")
        .first()
        or ConsentNotice.objects.filter(project_id=channel.project_id).order_by("-version").first()
    )
    if notice is None:
        return
    do_queue_outbound(
        channel=channel,
        contact=contact,
        purpose=OutboundMessage.Purpose.NOTICE,
        text=notice.text,
        in_reply_to=message,
    )
    do_record_consent(
        project_id=channel.project_id,
        contact=contact,
        given=True,
        method=ConsentRecord.Method.SMS_NOTICE,
        purposes=["respond"],
        notice_version=notice.label,
    )


def do_opt_out(contact: Contact, channel: Channel, message: InboundMessage | None) -> None:
    """Opt out at once; one confirmation, then nothing more."""
    _set_opted_out(contact, channel, message, opted_out=True)


def do_opt_in(contact: Contact, channel: Channel, message: InboundMessage | None) -> None:
    _set_opted_out(contact, channel, message, opted_out=False)


def _set_opted_out(
    contact: Contact, channel: Channel, message: InboundMessage | None, *, opted_out: bool
) -> None:
    # Conditional update: only the message that changes the state sends a confirmation,
    # so a second STOP (or two at once) confirms nothing more.
    changed = Contact.objects.filter(pk=contact.pk, opted_out_at__isnull=opted_out).update(
        opted_out_at=timezone.now() if opted_out else None
    )
    contact.refresh_from_db(fields=["opted_out_at"])
    record_event(
        "contact.opt_out" if opted_out else "contact.opt_in",
        project_id=channel.project_id,
        object_type="contact",
        object_id=contact.pk,
        purpose=channel.kind,
    )
    if changed:
        do_queue_outbound(
            channel=channel,
            contact=contact,
            purpose=(
                OutboundMessage.Purpose.OPT_OUT_CONFIRMATION
                if opted_out
                else OutboundMessage.Purpose.OPT_IN_CONFIRMATION
            ),
            text=confirmation("opt_out" if opted_out else "opt_in", contact.language),
            in_reply_to=message,
        )


def do_queue_outbound(
    *,
    channel: Channel,
    contact: Contact,
    purpose: str,
    text: str,
    in_reply_to: InboundMessage | None = None,
    actor: Viewer | None = None,
) -> OutboundMessage:
    """Queue a message to a contact; an opted-out contact gets nothing (state "blocked")."""
    blocked = contact.opted_out_at is not None and purpose not in OPT_OUT_EXEMPT
    with transaction.atomic():
        outbound = OutboundMessage(
            project_id=channel.project_id,
            channel=channel,
            contact=contact,
            purpose=purpose,
            in_reply_to=in_reply_to,
            state=OutboundMessage.State.BLOCKED if blocked else OutboundMessage.State.QUEUED,
        )
        outbound.text = text
        outbound.save(force_insert=True)
        record_event(
            "message.blocked_opted_out" if blocked else "message.queue",
            project_id=channel.project_id,
            actor=actor,
            object_type="outboundmessage",
            object_id=outbound.pk,
            fields=[] if blocked else ["text"],
            purpose=purpose,
        )
        if not blocked:
            transaction.on_commit(lambda: _enqueue_send(outbound.pk))
    return outbound


def _enqueue_send(outbound_id: object) -> None:
    send_outbound.enqueue(str(outbound_id))


def do_record_delivery(
    channel: Channel, provider_message_id: str, state: str, outbound_id: str = ""
) -> int:
    """Apply a delivery report; returns how many messages it updated (0 or 1).

    States only move forward (queued → sent → delivered/failed), so a late "sent" report
    never undoes a "delivered".
    """
    rows = OutboundMessage.objects.filter(channel=channel)
    rows = (
        rows.filter(pk=outbound_id)
        if outbound_id
        else rows.filter(provider_message_id=provider_message_id)
    )
    now = timezone.now()
    if state == "delivered":
        return rows.exclude(state=OutboundMessage.State.DELIVERED).update(
            state=OutboundMessage.State.DELIVERED, delivered_at=now
        )
    if state == "failed":
        return rows.filter(
            state__in=[OutboundMessage.State.QUEUED, OutboundMessage.State.SENT]
        ).update(state=OutboundMessage.State.FAILED, last_error="reported failed by the provider")
    if state == "sent":
        return rows.filter(state=OutboundMessage.State.QUEUED).update(
            state=OutboundMessage.State.SENT, sent_at=now
        )
    return 0
