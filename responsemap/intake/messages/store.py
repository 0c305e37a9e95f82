"""Storing a message from a phone number: the common case, made cheap.

A gateway in a disaster posts thousands of messages a minute, from numbers known and
new. For a message that is not STOP/START, finding the contact by its blind index,
inserting the message (skipped if the provider's id is already stored) and its audit
event (a pending one, sealed, chained by the worker within seconds: ADR 0004) are one
prepared SQL statement on PostgreSQL — one round trip, atomic on its own — and a short
transaction on SQLite. A number not found takes a second statement that also makes its
contact (phone sealed). The consent notice to a new number is sent by the worker when
it processes the message (``new_contact``). Handles and keywords go through the ORM
path in ``messaging``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from responsemap.intake.channels.base import Inbound
from responsemap.intake.channels.models import Channel
from responsemap.intake.contacts.models import Contact
from responsemap.intake.contacts.phones import InvalidPhone, normalise_phone, phone_index
from responsemap.intake.messages.models import InboundMessage
from responsemap.lib import rawsql
from responsemap.protection.audit import PENDING_COLUMNS, EventSpec, pending_event
from responsemap.protection.models import AuditPending

# Every column but the contact's id and new_contact, which the statement fills itself.
MESSAGE_COLUMNS = (
    "id", "project_id", "channel_id", "provider_message_id", "text", "kind", "state",
    "sent_at", "received_at", "meta",
)  # fmt: skip
MESSAGE_KEY = ("channel_id", "provider_message_id")
CONTACT_KEY = ("project_id", "phone_index")
CONTACT_COLUMNS = ("id", "project_id", "phone", "phone_index", "created_at")


class Outcome:
    NOT_STORED = "not stored"  # not a phone number, or a race: take the ORM path
    STORED = "stored"
    REPLAY = "replay"  # the provider's id is already here: nothing written


def store_from_phone(channel: Channel, inbound: Inbound) -> tuple[str, InboundMessage | None]:
    """Store ``inbound``, from a phone number, with its contact (made if new)."""
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
    pid = channel.project_id
    rows = Rows(
        key={"project_id": pid, "phone_index": phone_index(pid, e164)},
        message=_row(message, MESSAGE_COLUMNS, "text"),
        event=pending_event(receipt_event(channel, message.pk)),
        phone=e164,
    )
    store = _store_postgresql if connection.vendor == "postgresql" else _store_portable
    contact_id, new_contact, stored = store(rows)
    if contact_id is None:
        return Outcome.NOT_STORED, None  # another request made the contact meanwhile
    if not stored:
        return Outcome.REPLAY, None
    message.contact_id = uuid.UUID(str(contact_id))
    message.new_contact = new_contact
    return Outcome.STORED, message


@dataclass
class Rows:
    key: dict[str, Any]  # the contact's: project and phone index
    message: dict[str, Any]
    event: dict[str, Any]
    phone: str  # E.164, sealed into a contact row only if the number is not found


def _new_contact(rows: Rows) -> dict[str, Any]:
    """The row of a new number's contact, made with its first message."""
    contact = Contact(id=uuid.uuid4(), created_at=rows.message["received_at"], **rows.key)
    contact.phone = rows.phone
    return _row(contact, CONTACT_COLUMNS, "phone")


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


def _row(instance: Any, columns: tuple[str, ...], sealed: str) -> dict[str, Any]:
    row = {name: getattr(instance, name) for name in columns}
    row[sealed] = type(instance)._meta.get_field(sealed).pre_save(instance, add=True)
    return row


def _store_postgresql(rows: Rows) -> tuple[Any, bool, bool]:
    key = rawsql.db_values(Contact, CONTACT_KEY, [rows.key])
    message = rawsql.db_values(InboundMessage, MESSAGE_COLUMNS, [rows.message])
    event = rawsql.db_values(AuditPending, PENDING_COLUMNS, [rows.event])
    with rawsql.cursor() as cursor:
        cursor.execute(_statement(), key + message + event)
        contact_id, message_id = cursor.fetchone()
        if contact_id is not None:
            return contact_id, False, message_id is not None
        contact = rawsql.db_values(Contact, CONTACT_COLUMNS, [_new_contact(rows)])
        cursor.execute(_statement(new=True), key + contact + message + event)
        contact_id, new, message_id = cursor.fetchone()
    return contact_id, bool(new), message_id is not None


@cache
def _statement(new: bool = False) -> str:
    """A known number (``found``), or with ``new``, a number not found then: its contact
    is made here, unless another request makes it first (then nothing is stored and
    the caller takes the ORM path, which finds it)."""
    qn = connection.ops.quote_name
    find = (
        f"SELECT {qn('id')} FROM {qn(Contact._meta.db_table)} "  # noqa: S608
        f"WHERE {qn('project_id')} = %s AND {qn('phone_index')} = %s"
    )
    make = rawsql.insert_select_sql(
        Contact,
        CONTACT_COLUMNS,
        "(SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM found)) AS fresh",
        computed=(("handle_index", "''"), ("language", "''")),
        skip_any_conflict=True,
        returning=("id",),
    )
    insert_message = rawsql.insert_select_sql(
        InboundMessage,
        MESSAGE_COLUMNS,
        "sender",
        computed=(("contact_id", "sender.id"), ("new_contact", "sender.new")),
        conflict=MESSAGE_KEY,
        returning=("id",),
    )
    insert_event = rawsql.insert_select_sql(AuditPending, PENDING_COLUMNS, "stored")
    sender = (
        # A new number: found (made meanwhile by another request), or made here.
        f"found AS ({find}), made AS ({make}), "  # noqa: S608
        f"sender AS (SELECT {qn('id')}, false AS new FROM found "
        f"UNION ALL SELECT {qn('id')}, true FROM made)"
        if new
        else f"sender AS (SELECT {qn('id')}, false AS new FROM ({find}) AS found)"  # noqa: S608
    )
    new_column = "(SELECT new FROM sender), " if new else ""
    return (
        f"WITH {sender}, stored AS ({insert_message}), audited AS ({insert_event}) "  # noqa: S608
        f"SELECT (SELECT {qn('id')} FROM sender), {new_column}(SELECT {qn('id')} FROM stored)"
    )


def _store_portable(rows: Rows) -> tuple[Any, bool, bool]:
    with transaction.atomic():
        found = Contact.objects.filter(**rows.key).values_list("id", flat=True).first()
        new = found is None
        if new:
            contact = _new_contact(rows)
            made = rawsql.insert(
                Contact,
                [{**contact, "handle_index": "", "language": ""}],
                skip_any_conflict=True,
                returning=("id",),
            )
            if not made:
                return None, False, False
            found = contact["id"]
        stored = rawsql.insert(
            InboundMessage,
            [{**rows.message, "contact_id": found, "new_contact": new}],
            conflict=MESSAGE_KEY,
            returning=("id",),
        )
        if stored:
            rawsql.insert(AuditPending, [rows.event])
    return found, new, bool(stored)
