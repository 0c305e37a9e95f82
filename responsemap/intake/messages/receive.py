"""Receiving: ``do_receive_message`` and what happens at receipt.

Design:
- ``do_receive_message`` stores the message (sealed text, contact by blind index) and
  its audit event atomically, before the gateway gets its answer: from a phone number
  in one statement, the contact made there if new (``store``); from a handle, or a
  STOP/START keyword, through the ORM. The unique (channel, provider message id)
  constraint makes a replayed webhook a no-op.
- Nothing is stored unless the channel still takes messages as the caller loaded it
  (``channels.queries.still_taking``): checked in the storing statement or transaction;
  otherwise ``ChannelChanged`` is raised and nothing is written.
- Opt-out is decided here, at receipt, so it takes effect before anything else runs:
  a STOP or START message is stored already "processed" (its whole processing, the
  opt-out and its confirmation, is in the storing transaction), so no sweep picks it.
  The contact's row is locked first, so a send being handed over meanwhile either sees
  the opt-out or is committed before it (``send._hand_over``).
- What goes back (confirmation, consent notice) is in the contact's language, else the
  project's default (``keywords.reply_language``).
- The consent notice to a new contact, redaction and feedback creation run in the
  worker's sweeps of received messages (``sweep.sweep_received``), in that order.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from responsemap.intake.channels.base import Inbound
from responsemap.intake.channels.models import Channel
from responsemap.intake.channels.queries import (
    ChannelChanged,
    InboundChannel,
    load_inbound_channel,
    still_taking,
)
from responsemap.intake.contacts.actions import (
    do_get_or_create_contact,
    do_get_or_create_contact_by_handle,
    do_record_consent,
    holds,
)
from responsemap.intake.contacts.keywords import classify, confirmation, reply_language
from responsemap.intake.contacts.models import ConsentRecord, Contact
from responsemap.intake.contacts.phones import InvalidPhone
from responsemap.intake.contacts.queries import current_consent_notice
from responsemap.intake.messages.models import InboundMessage, OutboundMessage
from responsemap.intake.messages.send import do_queue_outbound
from responsemap.intake.messages.store import Outcome, raw_of, receipt_event, store_from_phone
from responsemap.intake.messages.sweep import schedule_sweep
from responsemap.protection.audit import deferred_chaining, record_event, record_events


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
    channel: Channel, inbound: Inbound, *, loaded: InboundChannel | None = None
) -> Received:
    """Store one inbound message and its audit event, atomically.

    ``loaded``: what the caller knows of the channel (the inbound view keeps it per
    process: keywords, the project); else it is loaded here. Raises ``ChannelChanged``
    (nothing stored) if the channel no longer takes messages or changed since.
    """
    if loaded is None:
        loaded = load_inbound_channel(channel.pk)
        if loaded is None or loaded.refusal:
            raise ChannelChanged
    kind = classify(inbound.text, loaded.stop_words, loaded.start_words)
    if kind == InboundMessage.Kind.MESSAGE and not inbound.is_handle:
        outcome, message = store_from_phone(loaded, inbound)
        if outcome == Outcome.STORED and message is not None:
            transaction.on_commit(schedule_sweep)
            return Received(message, created=True)
        if outcome == Outcome.REPLAY:
            existing = InboundMessage.objects.get(
                channel=channel, provider_message_id=inbound.provider_message_id
            )
            return Received(existing, created=False)
    return _receive_with_contact(loaded, inbound, kind)


def _receive_with_contact(loaded: InboundChannel, inbound: Inbound, kind: str) -> Received:
    """A message from a handle, an opt-out/opt-in keyword, or one that lost a race to
    make its contact: through the ORM, the contact made if new, a confirmation queued,
    all in one transaction."""
    channel = loaded.channel
    existing = InboundMessage.objects.filter(
        channel=channel, provider_message_id=inbound.provider_message_id
    ).first()
    if existing is not None:
        return Received(existing, created=False)
    project = channel.project
    try:
        with transaction.atomic(), deferred_chaining():
            if not holds(still_taking(loaded)):
                raise ChannelChanged
            contact, new_contact = _resolve_contact(channel, inbound, project.country)
            keyword = kind != InboundMessage.Kind.MESSAGE
            now = timezone.now()
            message = InboundMessage(
                project_id=channel.project_id,
                channel=channel,
                provider_message_id=inbound.provider_message_id,
                contact=contact,
                kind=kind,
                sent_at=inbound.sent_at,
                received_at=now,
                # A keyword is processed here and now (below): it is never swept.
                state=InboundMessage.State.PROCESSED if keyword else InboundMessage.State.RECEIVED,
                processed_at=now if keyword else None,
                meta=inbound.meta,
                # The worker sends the consent notice as it processes the message.
                new_contact=new_contact and kind == InboundMessage.Kind.MESSAGE,
            )
            message.text = inbound.text
            message.raw = raw_of(inbound)
            message.save(force_insert=True)
            record_events([receipt_event(channel, message.pk)])
            if kind == InboundMessage.Kind.OPT_OUT:
                do_opt_out(contact, channel, message)
            elif kind == InboundMessage.Kind.OPT_IN:
                do_opt_in(contact, channel, message)
            # Its receipt event waits to be chained, whatever the kind.
            transaction.on_commit(schedule_sweep)
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
    project = channel.project
    notice = current_consent_notice(project, reply_language(contact.language, project.languages))
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
    with transaction.atomic():
        # The contact's row locked first: a send being handed over (send._hand_over, which
        # locks it too) is committed before this opt-out's time is taken, or sees it.
        Contact.objects.select_for_update().filter(pk=contact.pk).values_list("pk").first()
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
                text=confirmation(
                    "opt_out" if opted_out else "opt_in",
                    reply_language(contact.language, channel.project.languages),
                ),
                in_reply_to=message,
            )
