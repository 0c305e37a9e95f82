"""The receipt: one SMS (or WhatsApp, Telegram message) to whoever texted the project,
with their record's reference code, so they can follow it (docs/status-lookup.md):
"We received your message. Your reference: D4EN-ACC6. To follow it, text STATUS
D4EN-ACC6." In the contact's language, else the project's default (``reply_language``),
with the status keyword of that language (one ``status_query_code`` understands).

Queued by the worker's sweep (``from_messages``) for the records it just made, in the
same transaction, on the channel each message came in on; sent after commit by the
send path's task (``send_outbound``, which checks the opt-out again before sending).
A batch done again makes no record, so no second receipt.

Never sent:
- for a protection-sensitive record: a phone is often shared or checked by others, and
  a message from an aid organisation arriving after the person reported abuse can put
  them in danger. Staff decide whether and how to answer such a person (replies).
- to an opted-out contact, nor to a person whose latest consent record says no
  (refused, withdrawn, or not for "respond"): the rule of ``replies.routing``;
- for a record flagged as spam at birth (a flood answered is a flood paid for twice);
- on a channel switched off;
- when the project turned receipts off (alert settings, ``AlertPolicy.send_receipts``).
A status query ("STATUS D4EN-ACC6") makes no record and so gets no receipt: it gets its
answer instead (``sms``).

Cost: a fixed number of queries per batch, whatever its size — one for the projects that
turned receipts off, one for the batch's spam flags, one for its contacts' consent
records, one insert of the messages and the audit events' insert (``record_events``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from responsemap.intake.contacts.consent import refusing_contacts
from responsemap.intake.contacts.keywords import normalise_keyword, reply_language
from responsemap.intake.contacts.models import ConsentRecord
from responsemap.intake.messages.models import InboundMessage, OutboundMessage
from responsemap.intake.messages.send import send_outbound
from responsemap.lib.tasks import enqueue_many
from responsemap.protection.audit import EventSpec, record_events
from responsemap.triage.alerts.models import AlertPolicy
from responsemap.triage.choices import Sensitivity
from responsemap.triage.duplicates.models import SpamMark
from responsemap.triage.models import Feedback
from responsemap.triage.status_lookup.sms import STATUS_WORDS

# The status keyword a receipt tells people to text, per language (each one of
# ``sms.STATUS_WORDS``, so a query written as told is understood).
KEYWORD_OF_LANGUAGE = {
    "en": "STATUS",
    "fr": "STATUT",
    "es": "ESTADO",
    "ar": "حالة",
    "ht": "ESTATI",
}
assert {normalise_keyword(w) for w in KEYWORD_OF_LANGUAGE.values()} <= {
    normalise_keyword(w) for w in STATUS_WORDS
}


def receipt_text(reference: str, language: str) -> str:
    """The receipt for ``reference``, in ``language`` (a code of ``settings.LANGUAGES``)."""
    with translation.override(language):
        return _(
            "We received your message. Your reference: %(code)s. "
            "To follow it, text %(keyword)s %(code)s."
        ) % {"code": reference, "keyword": KEYWORD_OF_LANGUAGE.get(language, "STATUS")}


def do_queue_receipts(
    records: Sequence[Feedback], messages: Sequence[InboundMessage]
) -> list[OutboundMessage]:
    """Queue one receipt per record made from one of ``messages`` that may have one (see
    the module's header); returns the messages queued. System actor."""
    by_id = {message.pk: message for message in messages}
    pairs = [
        (record, by_id[record.inbound_message_id])
        for record in records
        if record.inbound_message_id in by_id
        and record.sensitivity != Sensitivity.SENSITIVE
        and record.contact_id is not None
    ]
    pairs = [
        (record, message)
        for record, message in pairs
        if message.contact is not None
        and message.contact_id == record.contact_id
        and message.contact.opted_out_at is None
        and message.contact.consent_withdrawn_at is None
        and message.contact.erased_at is None
        and (message.contact.phone_index or message.contact.handle_index)
        and message.channel.is_active
    ]
    if not pairs:
        return []
    with transaction.atomic():
        pairs = _leave_out_refused(pairs)
        outbound = [_receipt(record, message) for record, message in pairs]
        OutboundMessage.objects.bulk_create(outbound)
        record_events(
            [
                EventSpec(
                    "message.queue",
                    message.project_id,
                    object_type="outboundmessage",
                    object_id=message.pk,
                    fields=["text"],
                    purpose=message.purpose,
                )
                for message in outbound
            ]
        )
        ids = [str(message.pk) for message in outbound]
        transaction.on_commit(lambda: _enqueue_sends(ids))
    return outbound


def _leave_out_refused(
    pairs: list[tuple[Feedback, InboundMessage]],
) -> list[tuple[Feedback, InboundMessage]]:
    """Leave out the projects with receipts off, spam-flagged records, and contacts
    whose latest consent record refuses being answered: three queries."""
    off = set(
        AlertPolicy.objects.filter(
            project_id__in={record.project_id for record, _m in pairs}, send_receipts=False
        ).values_list("project_id", flat=True)
    )
    spam = set(
        SpamMark.objects.filter(feedback_id__in=[record.pk for record, _m in pairs]).values_list(
            "feedback_id", flat=True
        )
    )
    refused = _refusing_contacts({record.contact_id for record, _m in pairs})
    return [
        (record, message)
        for record, message in pairs
        if record.project_id not in off
        and record.pk not in spam
        and record.contact_id not in refused
    ]


def _refusing_contacts(contact_ids: set[uuid.UUID | None]) -> set[uuid.UUID]:
    """The contacts whose latest consent record naming "respond" says no (refused or
    withdrawn): ``replies.routing.check_may_contact``'s rule, for a whole batch in one
    query (``contacts.consent.refusing_contacts``)."""
    return refusing_contacts(contact_ids, ConsentRecord.Purpose.RESPOND)


def _receipt(record: Feedback, message: InboundMessage) -> OutboundMessage:
    contact = message.contact
    assert contact is not None
    channel = message.channel
    outbound = OutboundMessage(
        project_id=channel.project_id,
        channel=channel,
        contact=contact,
        purpose=OutboundMessage.Purpose.REPLY,
        in_reply_to=message,
        state=OutboundMessage.State.QUEUED,
    )
    language = reply_language(contact.language, channel.project.languages)
    outbound.text = receipt_text(record.reference, language)
    return outbound


def _enqueue_sends(outbound_ids: list[str]) -> None:
    enqueue_many(send_outbound, [(outbound_id,) for outbound_id in outbound_ids])
