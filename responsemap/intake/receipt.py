"""Storing a message from a known number: the common case, made cheap.

A gateway in a disaster posts thousands of messages a minute, nearly all from numbers
already known. For those, the contact lookup, the message insert (skipped if the
provider's id is already stored) and its audit event (a pending one, sealed, chained
by the worker within seconds: ADR 0004) are one SQL statement on PostgreSQL — one
round trip, atomic on its own — and three quick ones in a transaction on SQLite.
Everything else (a new number, a handle, STOP/START) goes through the ORM path in
``messaging``.
"""

from __future__ import annotations

import uuid
from functools import cache

from django.db import connection, transaction
from django.utils import timezone

from responsemap.intake.channels.base import Inbound
from responsemap.intake.models import Channel, Contact, InboundMessage
from responsemap.intake.phones import InvalidPhone, normalise_phone, phone_index
from responsemap.lib import rawsql
from responsemap.protection.audit import PENDING_COLUMNS, EventSpec, pending_event
from responsemap.protection.models import AuditPending

# Every column but the contact's id, which the statement finds itself.
MESSAGE_COLUMNS = (
    "id", "project_id", "channel_id", "provider_message_id", "text", "kind", "state",
    "sent_at", "received_at", "meta",
)  # fmt: skip
MESSAGE_KEY = ("channel_id", "provider_message_id")
CONTACT_KEY = ("project_id", "phone_index")


class Outcome:
    UNKNOWN_SENDER = "unknown sender"  # not stored: take the path that creates contacts
    STORED = "stored"
    REPLAY = "replay"  # the provider's id is already stored: nothing written


def store_from_known_number(
    channel: Channel, inbound: Inbound
) -> tuple[str, InboundMessage | None]:
    """Store ``inbound`` if its sender's number is a known contact of the project."""
    try:
        e164 = normalise_phone(inbound.sender, channel.project.country)
    except InvalidPhone:
        return Outcome.UNKNOWN_SENDER, None
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
    row = {name: getattr(message, name) for name in MESSAGE_COLUMNS}
    row["text"] = InboundMessage._meta.get_field("text").pre_save(message, add=True)
    event = pending_event(
        EventSpec(
            "message.receive",
            project_id=channel.project_id,
            object_type="inboundmessage",
            object_id=message.pk,
            fields=["text", "sender"],
            purpose=channel.kind,
        )
    )
    contact = (channel.project_id, phone_index(channel.project_id, e164))
    store = _store_postgresql if connection.vendor == "postgresql" else _store_portable
    contact_id, stored = store(contact, row, event)
    if contact_id is None:
        return Outcome.UNKNOWN_SENDER, None
    if not stored:
        return Outcome.REPLAY, None
    message.contact_id = uuid.UUID(str(contact_id))
    return Outcome.STORED, message


def _store_postgresql(
    contact: tuple[uuid.UUID, str], row: dict[str, object], event: dict[str, object]
) -> tuple[object, bool]:
    params = rawsql.prepared(Contact, CONTACT_KEY, [dict(zip(CONTACT_KEY, contact, strict=True))])
    params += rawsql.prepared(InboundMessage, MESSAGE_COLUMNS, [row])
    params += rawsql.prepared(AuditPending, PENDING_COLUMNS, [event])
    with connection.cursor() as cursor:
        cursor.execute(_statement(), params)
        contact_id, message_id = cursor.fetchone()
    return contact_id, message_id is not None


@cache
def _statement() -> str:
    qn = connection.ops.quote_name
    find = (
        f"SELECT {qn('id')} FROM {qn(Contact._meta.db_table)} "  # noqa: S608
        f"WHERE {qn('project_id')} = %s AND {qn('phone_index')} = %s"
    )
    insert_message = rawsql.insert_select_sql(
        InboundMessage,
        MESSAGE_COLUMNS,
        "found",
        computed=(("contact_id", f"found.{qn('id')}"),),
        conflict=MESSAGE_KEY,
        returning=("id",),
    )
    insert_event = rawsql.insert_select_sql(AuditPending, PENDING_COLUMNS, "stored")
    return (
        f"WITH found AS ({find}), stored AS ({insert_message}), "  # noqa: S608
        f"audited AS ({insert_event}) "
        f"SELECT (SELECT {qn('id')} FROM found), (SELECT {qn('id')} FROM stored)"
    )


def _store_portable(
    contact: tuple[uuid.UUID, str], row: dict[str, object], event: dict[str, object]
) -> tuple[object, bool]:
    with transaction.atomic():
        found = (
            Contact.objects.filter(project_id=contact[0], phone_index=contact[1])
            .values_list("id", flat=True)
            .first()
        )
        if found is None:
            return None, False
        stored = rawsql.insert(
            InboundMessage,
            [{**row, "contact_id": found}],
            conflict=MESSAGE_KEY,
            returning=("id",),
        )
        if stored:
            rawsql.insert(AuditPending, [event])
    return found, bool(stored)
