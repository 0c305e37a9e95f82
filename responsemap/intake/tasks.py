"""Worker tasks of intake: process a received message, send a queued one.

Tasks take ids, are idempotent (a state check under a row lock), and are enqueued
after commit.
"""

from __future__ import annotations

import json
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
from responsemap.intake.channels.registry import adapter_for
from responsemap.intake.models import Channel, InboundMessage, OutboundMessage
from responsemap.intake.processing import processors
from responsemap.lib.tasks import enqueue_at
from responsemap.protection.present import open_for_system

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
# Delay before retry n (1-based): 10 s, 20 s, 40 s … capped at one hour.
BACKOFF_SECONDS = [min(10 * 2**n, 3600) for n in range(MAX_ATTEMPTS)]
# A send that must wait longer than this for its channel's rate limit is re-queued.
MAX_THROTTLE_SLEEP = 2.0


@task()
def process_inbound(message_id: str) -> None:
    with transaction.atomic():
        message = (
            InboundMessage.objects.select_for_update()
            .filter(pk=message_id, state=InboundMessage.State.RECEIVED)
            .first()
        )
        if message is None:
            return  # already processed (a retried task) or gone
        for processor in processors():
            processor(message)
        message.state = InboundMessage.State.PROCESSED
        message.processed_at = timezone.now()
        message.save(update_fields=["state", "processed_at"])


def channel_secrets(channel: Channel) -> dict[str, str]:
    raw = open_for_system(channel, "secrets", purpose="authenticate with the provider")
    return json.loads(raw) if raw else {}


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
            .select_related("channel", "contact")
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
