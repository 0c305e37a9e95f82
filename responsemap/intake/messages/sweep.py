"""The sweep: received messages become their records in the worker, a batch at a time.

Web processes enqueue a sweep (``sweep_received``) after commit, at most one per process
per ``SWEEP_TICK``; each runs the registered steps (``steps.py``) on batches of messages.
A sweep that dies with its worker leaves its messages "received" and no sweep queued:
every worker's upkeep (``manage.py db_worker``) queues one when a message has waited
``IDLE_SWEEP_SECONDS`` and none is queued (``sweep_if_waiting``), so nothing waits for
the next message to arrive.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django_tasks import task

from responsemap.intake.messages.models import InboundMessage
from responsemap.intake.messages.steps import sweep_steps
from responsemap.lib import clock
from responsemap.lib.tasks import enqueue_at, is_queued
from responsemap.protection.audit import sequence_pending
from responsemap.protection.models import AuditPending
from responsemap.protection.witness import maybe_checkpoint

log = logging.getLogger(__name__)


# A sweep processes received messages in batches of this many, one transaction each.
SWEEP_BATCH = 100
# A sweep hands over to a fresh one after this long, so one task never runs for ever,
# and the urgent alerts its batches queued (a higher priority) run in between.
SWEEP_SECONDS = 0.5
# A web process enqueues at most one sweep per tick; every message it stores is seen by
# a sweep that starts after the message was committed. The tick is most of an urgent
# message's wait for its record and alert (docs/alerts.md); under load a sweep goes on
# batch after batch, so a shorter tick costs only more, smaller sweeps when it is quiet.
SWEEP_TICK = 0.5
# The advisory lock key of the sweep ("RMSW").
SWEEP_LOCK = 0x524D5357
# A message received this long ago and still waiting, with no sweep queued, gets one
# from a worker's upkeep: longer than a sweep takes to start after a commit.
IDLE_SWEEP_SECONDS = 5.0
_schedule_lock = threading.Lock()
_sweep_starts_at = 0.0  # when the last sweep this process enqueued may start


@task()
def sweep_received() -> None:
    """Turn every received message into its records (feedback…), batch by batch.

    The messages' state is the queue: whatever is still "received" is picked up by the
    next sweep, whoever enqueued it, so a crash between commit and enqueue loses nothing.
    The sweep also moves pending audit events (receipts) into their chains.
    """
    with _sweeping_alone() as alone:
        if not alone:
            return  # the running sweep looks again once it has let go (below)
        deadline = clock.monotonic() + SWEEP_SECONDS
        # Receipt events first, so a message's "received" comes before what it became.
        while sequence_pending() + sweep_batch():
            if clock.monotonic() > deadline:
                break
        # Pending events up to here were chained, or refused as altered (verify_audit
        # reports those): they must not start sweeps for ever.
        seen = AuditPending.objects.aggregate(last=Max("id"))["last"] or 0
        maybe_checkpoint()  # signed chain heads to the audit witness, every N s (ADR 0007)
    # A sweep that found the lock taken while this one was finishing has gone: anything
    # committed meanwhile is seen here, after letting go, and gets a sweep of its own.
    if _waiting().exists() or AuditPending.objects.filter(id__gt=seen).exists():
        schedule_sweep(now=True)


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


def schedule_sweep(*, now: bool = False) -> None:
    """Called after a message is committed: make sure a sweep will start after now."""
    global _sweep_starts_at
    if not sweep_received.get_backend().supports_defer:
        sweep_received.enqueue()  # the immediate backend (tests): process at once
        return
    with _schedule_lock:
        moment = clock.timestamp()
        if moment < _sweep_starts_at and not now:
            return  # the sweep already queued starts after this commit: it will see it
        _sweep_starts_at = moment if now else moment + SWEEP_TICK
        starts = _sweep_starts_at
    enqueue_at(sweep_received, datetime.fromtimestamp(starts, tz=UTC))


def sweep_if_waiting() -> bool:
    """A worker's upkeep: queue a sweep if a message has waited ``IDLE_SWEEP_SECONDS``
    and no sweep is queued (the one that would have taken it died with its worker, or
    was never queued). Whether it queued one."""
    cutoff = clock.now() - timedelta(seconds=IDLE_SWEEP_SECONDS)
    if not _waiting().filter(received_at__lt=cutoff).exists():
        return False
    if sweep_received.get_backend().supports_defer and is_queued(sweep_received):
        return False
    schedule_sweep(now=True)
    return True


def sweep_batch(limit: int = SWEEP_BATCH) -> int:
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
        failed = _run_steps(batch)
        done = [m.pk for m in batch if m.pk not in failed]
        now = timezone.now()
        InboundMessage.objects.filter(pk__in=done).update(
            state=InboundMessage.State.PROCESSED, processed_at=now
        )
        InboundMessage.objects.filter(pk__in=failed).update(
            state=InboundMessage.State.FAILED, processed_at=now
        )
    return len(batch)


def _run_steps(batch: list[InboundMessage]) -> set[object]:
    """Run every processor on the whole batch; if that fails, one message at a time, so
    one bad message doesn't hold the others back. Returns the ids that failed."""
    try:
        with transaction.atomic():
            for processor in sweep_steps():
                processor(batch)
        return set()
    except Exception:  # noqa: BLE001  (any processor bug; retried one by one below)
        log.warning("a batch of %s inbound messages failed; retrying one by one", len(batch))
    failed: set[object] = set()
    for message in batch:
        try:
            with transaction.atomic():
                for processor in sweep_steps():
                    processor([message])
        except Exception as exc:  # noqa: BLE001
            log.error("inbound %s failed processing: %s", message.pk, type(exc).__name__)
            failed.add(message.pk)
    return failed
