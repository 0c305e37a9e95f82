"""Worker tasks of intake: process received messages, send a queued one.

Received messages are processed in batches by a sweep (``process_received``) that
web processes enqueue after commit, at most one per process per ``SWEEP_TICK``.
Sending takes an id, is idempotent (a state check under a row lock) and is enqueued
after commit.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, QuerySet
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from responsemap.intake.channels.base import Outgoing, SendFailed
from responsemap.intake.channels.registry import adapter_for
from responsemap.intake.models import Channel, InboundMessage, OutboundMessage
from responsemap.intake.processing import processors
from responsemap.intake.queries import channel_secrets
from responsemap.lib.tasks import enqueue_at
from responsemap.protection.audit import sequence_pending
from responsemap.protection.models import AuditPending
from responsemap.protection.present import open_for_system

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
# Delay before retry n (1-based): 10 s, 20 s, 40 s … capped at one hour.
BACKOFF_SECONDS = [min(10 * 2**n, 3600) for n in range(MAX_ATTEMPTS)]
# A send that must wait longer than this for its channel's rate limit is re-queued.
MAX_THROTTLE_SLEEP = 2.0


# A sweep processes received messages in batches of this many, one transaction each.
SWEEP_BATCH = 100
# A sweep hands over to a fresh one after this long, so one task never runs for ever.
SWEEP_SECONDS = 2.0
# A web process enqueues at most one sweep per tick; every message it stores is seen by
# a sweep that starts after the message was committed.
SWEEP_TICK = 1.0
# The advisory lock key of the sweep ("RMSW").
SWEEP_LOCK = 0x524D5357
_schedule_lock = threading.Lock()
_sweep_starts_at = 0.0  # when the last sweep this process enqueued may start


@task()
def process_received() -> None:
    """Turn every received message into its records (feedback…), batch by batch.

    The messages' state is the queue: whatever is still "received" is picked up by the
    next sweep, whoever enqueued it, so a crash between commit and enqueue loses nothing.
    The sweep also moves pending audit events (receipts) into their chains.
    """
    with _sweeping_alone() as alone:
        if not alone:
            return  # the running sweep looks again once it has let go (below)
        deadline = time.monotonic() + SWEEP_SECONDS
        # Receipt events first, so a message's "received" comes before what it became.
        while sequence_pending() + process_batch():
            if time.monotonic() > deadline:
                break
        # Pending events up to here were chained, or refused as altered (verify_audit
        # reports those): they must not start sweeps for ever.
        seen = AuditPending.objects.aggregate(last=Max("id"))["last"] or 0
    # A sweep that found the lock taken while this one was finishing has gone: anything
    # committed meanwhile is seen here, after letting go, and gets a sweep of its own.
    if _waiting().exists() or AuditPending.objects.filter(id__gt=seen).exists():
        schedule_processing(now=True)


def _waiting() -> QuerySet[InboundMessage]:
    return InboundMessage.objects.filter(
        state=InboundMessage.State.RECEIVED, kind=InboundMessage.Kind.MESSAGE
    )


@contextmanager
def _sweeping_alone() -> Iterator[bool]:
    """One sweep at a time (a PostgreSQL advisory lock, held by this connection until
    the sweep ends or the process dies): sweeps side by side only cut each other's
    batches small and queue on the same audit chain's head. Other tasks (sending) keep
    the other workers. SQLite has one writer anyway."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [SWEEP_LOCK])
        alone = bool(cursor.fetchone()[0])
    try:
        yield alone
    finally:
        if alone:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [SWEEP_LOCK])


def schedule_processing(*, now: bool = False) -> None:
    """Called after a message is committed: make sure a sweep will start after now."""
    global _sweep_starts_at
    if not process_received.get_backend().supports_defer:
        process_received.enqueue()  # the immediate backend (tests): process at once
        return
    with _schedule_lock:
        clock = time.time()
        if clock < _sweep_starts_at and not now:
            return  # the sweep already queued starts after this commit: it will see it
        _sweep_starts_at = clock if now else clock + SWEEP_TICK
        starts = _sweep_starts_at
    enqueue_at(process_received, datetime.fromtimestamp(starts, tz=UTC))


def process_batch(limit: int = SWEEP_BATCH) -> int:
    """Process up to ``limit`` received messages in one transaction; returns how many.

    Several workers sweep at once on PostgreSQL (``SKIP LOCKED``: each takes its own
    batch). A message that makes a processor fail is marked "failed" (and logged by id)
    and the rest of its batch goes on.
    """
    with transaction.atomic():
        batch = list(
            _waiting()
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("channel__project", "contact")
            .order_by("received_at")[:limit]
        )
        if not batch:
            return 0
        failed = _run_processors(batch)
        done = [m.pk for m in batch if m.pk not in failed]
        now = timezone.now()
        InboundMessage.objects.filter(pk__in=done).update(
            state=InboundMessage.State.PROCESSED, processed_at=now
        )
        InboundMessage.objects.filter(pk__in=failed).update(
            state=InboundMessage.State.FAILED, processed_at=now
        )
    return len(batch)


def _run_processors(batch: list[InboundMessage]) -> set[object]:
    """Run every processor on the whole batch; if that fails, one message at a time, so
    one bad message doesn't hold the others back. Returns the ids that failed."""
    try:
        with transaction.atomic():
            for processor in processors():
                processor(batch)
        return set()
    except Exception:  # noqa: BLE001  (any processor bug; retried one by one below)
        log.warning("a batch of %s inbound messages failed; retrying one by one", len(batch))
    failed: set[object] = set()
    for message in batch:
        try:
            with transaction.atomic():
                for processor in processors():
                    processor([message])
        except Exception as exc:  # noqa: BLE001
            log.error("inbound %s failed processing: %s", message.pk, type(exc).__name__)
            failed.add(message.pk)
    return failed


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
