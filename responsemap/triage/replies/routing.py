"""Where a reply to a record goes, and whether it may go at all — the one place this is
decided (docs/replies.md).

A record that came in by SMS, WhatsApp or Telegram is answered on the channel it came
in on. A record from the web form, the hotline or an import, whose sender left a phone
number, is answered by SMS through the project's default SMS channel. Nothing is sent
to an opted-out contact, to a contact with no number or address, or to a person whose
latest consent record naming the purpose "respond" says no (refused or withdrawn),
nor to one who withdrew consent on request or was erased (triage.rights).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.utils.translation import gettext as _

from responsemap.intake.channels.models import Channel
from responsemap.intake.contacts.consent import has_withdrawn, purpose_refusal
from responsemap.intake.contacts.models import ConsentRecord, Contact
from responsemap.triage.choices import Source
from responsemap.triage.models import Feedback

# Channel kinds that carry SMS (a phone number is their address).
SMS_KINDS = ("kannel", "twilio", "africastalking")
# Sources whose records came through a channel, answered on it.
MESSAGE_SOURCES = (Source.SMS, Source.WHATSAPP, Source.TELEGRAM)


class ReplyRefused(Exception):
    """A reply or call-back that may not happen; its message says why, in words."""


@dataclass(frozen=True)
class Route:
    channel: Channel
    contact: Contact


def check_may_contact(record: Feedback) -> Contact:
    """The record's contact, if the person may be contacted back at all."""
    contact = record.contact
    if contact is None or not (contact.phone_index or contact.handle_index):
        raise ReplyRefused(
            _("No phone number or address was kept for this person: they can't be answered.")
        )
    if has_withdrawn(contact):
        raise ReplyRefused(_("This person withdrew their consent: nothing may be sent or shared."))
    if contact.opted_out_at is not None:
        raise ReplyRefused(_("This person opted out: nothing may be sent to them."))
    # The latest consent record naming "being answered" (other purposes' records say
    # nothing about it: intake.contacts.consent).
    if purpose_refusal(contact, ConsentRecord.Purpose.RESPOND):
        raise ReplyRefused(_("This person did not agree to be contacted back."))
    return contact


def default_sms_channel(project_id: uuid.UUID | str) -> Channel | None:
    """The project's SMS channel for replies to records that came by other ways: the one
    marked ``config["default_for_replies"]``, else the oldest active SMS channel."""
    channels = list(
        Channel.objects.filter(project_id=project_id, kind__in=SMS_KINDS, is_active=True).order_by(
            "created_at", "pk"
        )
    )
    marked = [c for c in channels if (c.config or {}).get("default_for_replies")]
    chosen = marked or channels
    return chosen[0] if chosen else None


def reply_route(record: Feedback) -> Route:
    """The channel and contact a reply to ``record`` goes to; ``ReplyRefused`` if none."""
    contact = check_may_contact(record)
    message = record.inbound_message if record.inbound_message_id else None
    if record.source in MESSAGE_SOURCES and message is not None:
        channel = message.channel
        if not channel.is_active:
            raise ReplyRefused(
                _("The channel this message came in on is switched off: no reply can go out.")
            )
        return Route(channel, contact)
    if record.source in (Source.WHATSAPP, Source.TELEGRAM):
        raise ReplyRefused(
            _("The message this record came from is gone: its channel is not known any more.")
        )
    if not contact.phone_index:
        raise ReplyRefused(_("No phone number was kept for this person: they can't get an SMS."))
    default = default_sms_channel(record.project_id)
    if default is None:
        raise ReplyRefused(_("This project has no SMS channel to reply through."))
    return Route(default, contact)
