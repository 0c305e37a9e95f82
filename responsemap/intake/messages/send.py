"""Sending: ``do_queue_outbound`` is the only way a message leaves, ``send_outbound`` the
worker task that sends it, throttled per channel and retried with backoff, and
``do_record_delivery`` the gateway's delivery reports.

An opted-out contact gets nothing but the confirmation of the opt-out itself: the
row is kept as "blocked" so the refusal is visible.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from responsemap.intake.channels.base import Outgoing, SendFailed
from responsemap.intake.channels.models import Channel
from responsemap.intake.channels.queries import channel_secrets
from responsemap.intake.channels.registry import adapter_for
from responsemap.intake.contacts.models import Contact
from responsemap.intake.messages.models import InboundMessage, OutboundMessage
from responsemap.lib.tasks import enqueue_at
from responsemap.protection.audit import record_event
from responsemap.protection.present import open_for_system
from responsemap.protection.viewer import Viewer

log = logging.getLogger(__name__)

OPT_OUT_EXEMPT = {OutboundMessage.Purpose.OPT_OUT_CONFIRMATION}


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


MAX_ATTEMPTS = 8


# Delay before retry n (1-based): 10 s, 20 s, 40 s … capped at one hour.
BACKOFF_SECONDS = [min(10 * 2**n, 3600) for n in range(MAX_ATTEMPTS)]


# A send that must wait longer than this for its channel's rate limit is re-queued.
MAX_THROTTLE_SLEEP = 2.0


def recipient_of(message: OutboundMessage) -> str:
    contact = message.contact
    phone = open_for_system(contact, "phone", purpose="address an outbound message")
    if phone:
        return phone
    handle = open_for_system(contact, "handle", purpose="address an outbound message") or ""
    return handle.split(":", 1)[-1]


def claim_send_slot(channel_id: UUID | str, rate: float) -> float:
    """Seconds to wait so the channel sends at most ``rate`` messages a second.

    The slot is kept on the channel's row under a lock, so several workers on
    several machines share one rate.
    """
    with transaction.atomic():
        channel = Channel.objects.select_for_update().get(pk=channel_id)
        now = time.time()
        slot = max(now, channel.next_send_at)
        channel.next_send_at = slot + 1.0 / max(rate, 0.01)
        channel.save(update_fields=["next_send_at"])
    return slot - now


@task()
def send_outbound(outbound_id: str) -> None:
    with transaction.atomic():
        message = (
            OutboundMessage.objects.select_for_update()
            .select_related("channel__project", "contact")
            .filter(pk=outbound_id, state=OutboundMessage.State.QUEUED)
            .first()
        )
        if message is None:
            return
        if message.next_attempt_at and message.next_attempt_at > timezone.now():
            return  # an early duplicate of a scheduled retry
        if message.contact.opted_out_at and message.purpose != "opt_out_confirm":
            message.state = OutboundMessage.State.BLOCKED
            message.save(update_fields=["state"])
            return
        message.attempts += 1
        message.save(update_fields=["attempts"])
    wait = claim_send_slot(message.channel_id, message.channel.send_rate)
    if wait > MAX_THROTTLE_SLEEP:
        enqueue_at(send_outbound, timezone.now() + timedelta(seconds=wait), outbound_id)
        OutboundMessage.objects.filter(pk=outbound_id).update(attempts=message.attempts - 1)
        return
    if wait > 0:
        time.sleep(wait)
    channel = message.channel
    outgoing = Outgoing(
        id=str(message.pk),
        to=recipient_of(message),
        text=open_for_system(message, "text", purpose="send an outbound message") or "",
        status_url=status_url(channel),
    )
    try:
        provider_id = adapter_for(channel.kind).send(channel, channel_secrets(channel), outgoing)
    except SendFailed as exc:
        _after_failure(message, exc)
        return
    OutboundMessage.objects.filter(pk=message.pk, state=OutboundMessage.State.QUEUED).update(
        state=OutboundMessage.State.SENT,
        provider_message_id=provider_id[:128],
        sent_at=timezone.now(),
        last_error="",
    )


def _after_failure(message: OutboundMessage, exc: SendFailed) -> None:
    if not exc.retry or message.attempts >= MAX_ATTEMPTS:
        OutboundMessage.objects.filter(pk=message.pk).update(
            state=OutboundMessage.State.FAILED, last_error=exc.reason[:200]
        )
        log.warning("outbound %s failed for good after %s attempts", message.pk, message.attempts)
        return
    retry_at = timezone.now() + timedelta(seconds=BACKOFF_SECONDS[message.attempts - 1])
    OutboundMessage.objects.filter(pk=message.pk).update(
        next_attempt_at=retry_at, last_error=exc.reason[:200]
    )
    enqueue_at(send_outbound, retry_at, str(message.pk))


def status_url(channel: Channel) -> str:
    return settings.RESPONSEMAP_PUBLIC_URL.rstrip("/") + reverse("intake:status", args=[channel.pk])
