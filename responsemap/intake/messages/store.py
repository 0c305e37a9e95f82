"""Storing a message from a phone number: the common case, made cheap.

A gateway in a disaster posts thousands of messages a minute, from numbers known and
new. For a message that is not STOP/START, finding the contact by its blind index,
inserting the message (skipped if the provider's id is already stored) and its audit
event (a pending one, sealed, chained by the worker within seconds: ADR 0004) are one
prepared SQL statement on PostgreSQL — one round trip, atomic on its own — and a short
transaction on SQLite. A number not found takes a second statement that also makes its
contact. Both are the contacts' one birth (``contacts.actions.do_get_or_create_contact_with``),
and both store nothing unless the channel still takes messages as loaded
(``channels.queries.still_taking``), checked in the same statement. The consent notice to
a new number is sent by the worker when it processes the message (``new_contact``).
Handles and keywords go through the ORM path in ``receive``.
"""

from __future__ import annotations

import base64
import uuid
from typing import Any

from django.utils import timezone

from responsemap.intake.channels.base import Inbound
from responsemap.intake.channels.models import Channel
from responsemap.intake.channels.queries import ChannelChanged, InboundChannel, still_taking
from responsemap.intake.contacts.actions import Dependent, do_get_or_create_contact_with
from responsemap.intake.contacts.phones import InvalidPhone, normalise_phone
from responsemap.intake.messages.models import InboundMessage
from responsemap.protection.audit import EventSpec, pending_event

# Every column but the contact's id and new_contact, which the statement fills itself.
MESSAGE_COLUMNS = (
    "id", "project_id", "channel_id", "provider_message_id", "text", "raw", "kind", "state",
    "sent_at", "received_at", "meta",
)  # fmt: skip
MESSAGE_KEY = ("channel_id", "provider_message_id")


class Outcome:
    NOT_STORED = "not stored"  # not a phone number, or a race: take the ORM path
    STORED = "stored"
    REPLAY = "replay"  # the provider's id is already here: nothing written


def store_from_phone(loaded: InboundChannel, inbound: Inbound) -> tuple[str, InboundMessage | None]:
    """Store ``inbound``, from a phone number, with its contact (made if new); raises
    ``ChannelChanged`` if the channel is no longer as ``loaded`` (nothing stored)."""
    channel = loaded.channel
    try:
        e164 = normalise_phone(inbound.sender, channel.project.country)
    except InvalidPhone:
        return Outcome.NOT_STORED, None
    message = InboundMessage(
        id=uuid.uuid4(),
        project_id=channel.project_id,
        channel_id=channel.pk,
        provider_message_id=inbound.provider_message_id,
        kind=InboundMessage.Kind.MESSAGE,
        state=InboundMessage.State.RECEIVED,
        sent_at=inbound.sent_at,
        received_at=timezone.now(),
        meta=inbound.meta,
    )
    message.text = inbound.text
    message.raw = raw_of(inbound)
    dependent = Dependent(
        model=InboundMessage,
        row=_row(message),
        conflict=MESSAGE_KEY,
        event=pending_event(receipt_event(channel, message.pk)),
    )
    written = do_get_or_create_contact_with(
        channel.project_id, e164, dependent, only_if=still_taking(loaded)
    )
    if not written.allowed:
        raise ChannelChanged
    if written.contact_id is None:
        return Outcome.NOT_STORED, None  # another request made the contact meanwhile
    if not written.stored:
        return Outcome.REPLAY, None
    message.contact_id = uuid.UUID(str(written.contact_id))
    message.new_contact = written.new_contact
    return Outcome.STORED, message


def receipt_event(channel: Channel, message_id: uuid.UUID) -> EventSpec:
    """The audit event of a message's receipt (the text and sender were written)."""
    return EventSpec(
        "message.receive",
        project_id=channel.project_id,
        object_type="inboundmessage",
        object_id=message_id,
        fields=["text", "sender"],
        purpose=channel.kind,
    )


def raw_of(inbound: Inbound) -> str | None:
    """What ``InboundMessage.raw`` keeps (sealed): the bytes of a text that did not
    decode as declared, base64 (sealed values are text), else nothing."""
    return base64.b64encode(inbound.raw).decode("ascii") if inbound.raw else None


def _row(message: InboundMessage) -> dict[str, Any]:
    row = {name: getattr(message, name) for name in MESSAGE_COLUMNS}
    row["text"] = InboundMessage._meta.get_field("text").pre_save(message, add=True)
    row["raw"] = InboundMessage._meta.get_field("raw").pre_save(message, add=True)
    return row
