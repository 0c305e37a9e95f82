"""Sending: ``do_queue_outbound`` is the only way a message leaves, ``send_outbound`` the
worker task that sends it, throttled per channel and retried with backoff, and
``do_record_delivery`` the gateway's delivery reports.

An opted-out contact gets nothing but the confirmation of the opt-out itself (the one
rule is ``is_refused``, checked when queueing, when a send starts, and once more after
the send has waited for its channel's rate limit, in the transaction that hands the
message over, with the contact's row locked: a STOP stored before that moment blocks
it): the row is kept as "blocked" so the refusal is visible.

At most once (docs/adr/0009-delivery-after-a-worker-dies.md): before calling the
provider the worker moves the message to "sending" under an attempt id; only that
attempt records the answer. A task taken up again after its worker died
(``lib.tasks``) finds "sending" and marks the message "unknown" rather than send it a
second time: no provider we speak to takes an idempotency key. A delivery report that
names it settles an unknown message (delivered or failed).

Every state a person would ask about (queued, blocked, sent, failed for good, delivered,
failed by the provider, unknown) writes an audit event in the same transaction as the change;
the system is the actor, except when a person queues a message. Attempt counters,
retry times, the channel's send slot and the short "sending" step are bookkeeping and
write none (docs/adr/0006-unaudited-bookkeeping.md).

Time comes from ``lib.clock`` (the slot, the throttle's sleep, retry times), so tests
move a fake clock instead of waiting on the machine.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django_tasks import task

from responsemap.intake.channels.base import Inbound, Outgoing, SendFailed
from responsemap.intake.channels.models import Channel
from responsemap.intake.channels.queries import TAKING_STATUSES, channel_secrets
from responsemap.intake.channels.registry import adapter_for
from responsemap.intake.contacts.consent import has_withdrawn, purpose_refusal
from responsemap.intake.contacts.models import ConsentRecord, Contact
from responsemap.intake.messages.models import InboundMessage, OutboundMessage
from responsemap.lib import clock
from responsemap.lib.tasks import enqueue_at, task_timeout
from responsemap.projects.lifecycle.notices import closure_notice
from responsemap.projects.models import Project
from responsemap.protection.audit import EventSpec, record_event, record_events
from responsemap.protection.present import open_for_system
from responsemap.protection.system_opens import SystemPurpose
from responsemap.protection.viewer import Viewer

log = logging.getLogger(__name__)

OPT_OUT_EXEMPT = {OutboundMessage.Purpose.OPT_OUT_CONFIRMATION}
# The consent purpose a message needs (the notice and the opt-out/in confirmations are
# the person's own information and controls, and need none).
CONSENT_PURPOSE_OF: dict[str, str] = {
    OutboundMessage.Purpose.REPLY.value: ConsentRecord.Purpose.RESPOND.value,
    OutboundMessage.Purpose.ALERT.value: ConsentRecord.Purpose.RESPOND.value,
    OutboundMessage.Purpose.CAMPAIGN.value: ConsentRecord.Purpose.FOLLOW_UP.value,
}
State = OutboundMessage.State


def is_refused(contact: Contact, purpose: str) -> bool:
    """An opted-out contact is sent nothing but the confirmation of their opt-out; one
    who withdrew consent on request (or was erased) nothing at all; a message goes only
    to whom did not refuse its consent purpose (``contacts.consent``): a reply (staff's,
    a receipt, a status answer) being answered, a campaign follow-up surveys."""
    if has_withdrawn(contact):
        return True
    consent_purpose = CONSENT_PURPOSE_OF.get(purpose)
    if consent_purpose and purpose_refusal(contact, consent_purpose):
        return True
    return contact.opted_out_at is not None and purpose not in OPT_OUT_EXEMPT


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
    blocked = is_refused(contact, purpose)
    with transaction.atomic():
        outbound = OutboundMessage(
            project_id=channel.project_id,
            channel=channel,
            contact=contact,
            purpose=purpose,
            in_reply_to=in_reply_to,
            state=State.BLOCKED if blocked else State.QUEUED,
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


@dataclass(frozen=True)
class Move:
    """A message moving from one of ``sources`` to ``target`` (``stamp``, a time column
    set to now), and the audit event it writes."""

    sources: tuple[str, ...]
    target: str
    action: str
    stamp: str = ""


SENT = Move((State.QUEUED, State.SENDING, State.UNKNOWN), State.SENT, "message.send", "sent_at")
FAILED = Move((State.SENDING,), State.FAILED, "message.fail")
BLOCKED = Move((State.QUEUED,), State.BLOCKED, "message.blocked_opted_out")
UNKNOWN = Move((State.SENDING,), State.UNKNOWN, "message.unknown")
CLOSED = Move((State.QUEUED,), State.CLOSED, "message.not_sent_project_closed")
# What a provider's delivery report may do. States only move forward (queued → sending
# → sent → delivered/failed), so a late "sent" report never undoes a "delivered"; a
# report settles a message left "unknown".
REPORTS = {
    "sent": SENT,
    "delivered": Move(
        (State.QUEUED, State.SENDING, State.SENT, State.FAILED, State.UNKNOWN),
        State.DELIVERED,
        "message.deliver",
        "delivered_at",
    ),
    "failed": Move(
        (State.QUEUED, State.SENDING, State.SENT, State.UNKNOWN), State.FAILED, "message.fail"
    ),
}


def _move(
    move: Move,
    messages: Sequence[tuple[UUID, UUID, str]],
    *,
    reason: str = "",
    attempt: UUID | None = None,
    **columns: object,
) -> int:
    """Move each (id, project id, purpose) that is still in one of the move's sources
    (and, given an ``attempt``, still that attempt's), race-safe (``UPDATE … WHERE state
    IN sources``, one per message), and write one system audit event per message moved,
    in the same transaction; returns how many."""
    if move.stamp:
        columns[move.stamp] = clock.now()
    only: dict[str, Any] = {} if attempt is None else {"attempt_id": attempt}
    with transaction.atomic():
        moved = [
            (pk, project_id, purpose)
            for pk, project_id, purpose in messages
            if OutboundMessage.objects.filter(pk=pk, state__in=move.sources, **only).update(
                state=move.target, **columns
            )
        ]
        record_events(
            [
                EventSpec(
                    move.action,
                    project_id,
                    object_type="outboundmessage",
                    object_id=pk,
                    fields=["state"],
                    reason=reason,
                    purpose=purpose,
                )
                for pk, project_id, purpose in moved
            ]
        )
    return len(moved)


def do_record_delivery(
    channel: Channel, provider_message_id: str, state: str, outbound_id: str = ""
) -> int:
    """Apply a delivery report; returns how many messages it moved (0 or 1)."""
    move = REPORTS.get(state)
    if move is None:
        return 0
    rows = OutboundMessage.objects.filter(channel=channel, state__in=move.sources)
    rows = (
        rows.filter(pk=outbound_id)
        if outbound_id
        else rows.filter(provider_message_id=provider_message_id)
    )
    found = list(rows.values_list("pk", "project_id", "purpose"))
    if move.target == State.FAILED:
        failure = "reported failed by the provider"
        return _move(move, found, reason="delivery report", last_error=failure)
    return _move(move, found, reason="delivery report")


MAX_ATTEMPTS = 8


# Delay before retry n (1-based): 10 s, 20 s, 40 s … capped at one hour.
BACKOFF_SECONDS = [min(10 * 2**n, 3600) for n in range(MAX_ATTEMPTS)]


# A send that must wait longer than this for its channel's rate limit is re-queued.
MAX_THROTTLE_SLEEP = 2.0


def recipient_of(message: OutboundMessage) -> str:
    contact = message.contact
    phone = open_for_system(contact, "phone", purpose=SystemPurpose.ADDRESS_OUTBOUND)
    if phone:
        return phone
    handle = open_for_system(contact, "handle", purpose=SystemPurpose.ADDRESS_OUTBOUND) or ""
    return handle.split(":", 1)[-1]


def claim_send_slot(channel_id: UUID | str, rate: float) -> float:
    """Seconds to wait so the channel sends at most ``rate`` messages a second.

    The slot is kept on the channel's row under a lock, so several workers on
    several machines share one rate.
    """
    with transaction.atomic():
        channel = Channel.objects.select_for_update().get(pk=channel_id)
        now = clock.timestamp()
        slot = max(now, channel.next_send_at)
        channel.next_send_at = slot + 1.0 / max(rate, 0.01)
        channel.save(update_fields=["next_send_at"])  # bookkeeping (ADR 0006)
    return slot - now


def _id(message: OutboundMessage) -> tuple[UUID, UUID, str]:
    return message.pk, message.project_id, message.purpose


@task(queue_name="outbound")
def send_outbound(outbound_id: str) -> None:
    message = _due(outbound_id)
    if message is None:
        return
    wait = claim_send_slot(message.channel_id, message.channel.send_rate)
    if wait > MAX_THROTTLE_SLEEP:
        # Not this attempt's turn: come back when the slot is near.
        enqueue_at(send_outbound, clock.now() + timedelta(seconds=wait), outbound_id)
        return
    if wait > 0:
        clock.sleep(wait)
    channel = message.channel
    # Everything ready before the hand-over: "sending" lasts only as long as the call.
    outgoing = Outgoing(
        id=str(message.pk),
        to=recipient_of(message),
        text=open_for_system(message, "text", purpose=SystemPurpose.SEND_OUTBOUND) or "",
        status_url=status_url(channel),
    )
    attempt = _hand_over(message)
    if attempt is None:
        return
    try:
        provider_id = adapter_for(channel.kind).send(
            channel, channel_secrets(channel, SystemPurpose.SEND_OUTBOUND), outgoing
        )
    except SendFailed as exc:
        _after_failure(message, attempt, exc)
        return
    with transaction.atomic():
        OutboundMessage.objects.filter(pk=message.pk, attempt_id=attempt).update(
            provider_message_id=provider_id[:128], last_error=""
        )
        # Already "delivered" if the provider's report came first: then nothing moves.
        _move(SENT, [_id(message)], attempt=attempt)


def _due(outbound_id: str) -> OutboundMessage | None:
    """The queued message if it is to be sent now; None if not (already sent, a retry
    not yet due, the contact opted out since: then blocked, its project closed: then
    "Not sent: project closed", as closing marks those queued then). A message left
    "sending" by a worker that died is marked "unknown", never sent again."""
    message = (
        OutboundMessage.objects.select_related("channel__project", "contact")
        .filter(pk=outbound_id)
        .first()
    )
    if message is None:
        return None
    if message.state == State.SENDING:
        _settle_abandoned(message)
        return None
    if message.state != State.QUEUED:
        return None
    if message.channel.project.status not in TAKING_STATUSES:
        if message.channel.project.status == Project.Status.CLOSED:
            _move(CLOSED, [_id(message)])  # queued as it closed (projects.lifecycle)
        return None  # nothing more leaves
    if message.next_attempt_at and message.next_attempt_at > clock.now():
        return None  # an early duplicate of a scheduled retry
    if is_refused(message.contact, message.purpose):
        _move(BLOCKED, [_id(message)])
        return None
    return message


def _hand_over(message: OutboundMessage) -> UUID | None:
    """Move the message to "sending" under a new attempt id, after the throttle's wait,
    checking the opt-out once more with the contact's row locked (a STOP being stored
    waits for this commit, or this sees it); None if it is not to be sent after all."""
    attempt = uuid.uuid4()
    with transaction.atomic():
        contact = (
            Contact.objects.select_for_update()
            .only("opted_out_at", "consent_withdrawn_at", "erased_at")
            .get(pk=message.contact_id)
        )
        if is_refused(contact, message.purpose):
            _move(BLOCKED, [_id(message)])
            return None
        handed = OutboundMessage.objects.filter(pk=message.pk, state=State.QUEUED).update(
            state=State.SENDING,
            attempt_id=attempt,
            attempt_started_at=clock.now(),
            attempts=F("attempts") + 1,  # bookkeeping (ADR 0006)
        )
    if not handed:
        return None  # another worker took it (a duplicate task)
    message.attempts += 1
    return attempt


def _settle_abandoned(message: OutboundMessage) -> None:
    """A message "sending": if its attempt is older than the task timeout, the worker
    died (its task was taken up again): "unknown". Else another worker is sending it:
    look again when it would count as abandoned."""
    assert message.attempt_started_at is not None
    abandoned_at = message.attempt_started_at + task_timeout()
    if abandoned_at > clock.now():
        enqueue_at(send_outbound, abandoned_at, str(message.pk))
        return
    reason = "the worker sending it stopped before the provider answered"
    if _move(UNKNOWN, [_id(message)], attempt=message.attempt_id, reason=reason):
        log.warning("outbound %s: its worker stopped mid-send; not sent again", message.pk)


def _after_failure(message: OutboundMessage, attempt: UUID, exc: SendFailed) -> None:
    if exc.maybe_sent:
        # The request went out and no answer came back: the provider may hold it.
        reason = "the provider did not answer; it may have taken the message"
        _move(UNKNOWN, [_id(message)], attempt=attempt, reason=reason, last_error=exc.reason[:200])
        log.warning("outbound %s: no answer from the provider; not sent again", message.pk)
        return
    if not exc.retry or message.attempts >= MAX_ATTEMPTS:
        reason = f"after {message.attempts} attempt(s)"
        _move(FAILED, [_id(message)], attempt=attempt, reason=reason, last_error=exc.reason[:200])
        log.warning("outbound %s failed for good after %s attempts", message.pk, message.attempts)
        return
    retry_at = clock.now() + timedelta(seconds=BACKOFF_SECONDS[message.attempts - 1])
    # The provider did not take it (the adapter says a retry is safe): queued again.
    back = OutboundMessage.objects.filter(pk=message.pk, state=State.SENDING, attempt_id=attempt)
    if back.update(  # bookkeeping (ADR 0006)
        state=State.QUEUED, next_attempt_at=retry_at, last_error=exc.reason[:200]
    ):
        enqueue_at(send_outbound, retry_at, str(message.pk))


def send_closure_notice(channel: Channel, secrets: dict[str, str], message: Inbound) -> bool:
    """Send a closed project's closure notice back to whoever just wrote, at once and
    through the same gateway; one of the two messages that leave without
    ``do_queue_outbound``, because nothing of the person may be kept in a closed project
    (not even a contact row to queue against). Audited without the number; a failure is
    logged and not retried (the gateway was answered with a success either way)."""
    notice = closure_notice(channel.project)
    return _send_now(channel, secrets, message, notice, "message.closure_notice", None)


def send_test_message(
    channel: Channel, secrets: dict[str, str], message: Inbound, *, actor: Viewer
) -> bool:
    """A manager's test of a channel: a message to their own number, sent at once through
    the gateway (the other message that leaves without ``do_queue_outbound``: the number
    is not a contact and is not kept). Audited without the number."""
    with translation.override(channel.project.default_language):
        text = gettext("Test message from Community Response Map: this channel can send.")
    return _send_now(channel, secrets, message, text, "channel.test", actor)


def _send_now(
    channel: Channel,
    secrets: dict[str, str],
    message: Inbound,
    text: str,
    action: str,
    actor: Viewer | None,
) -> bool:
    to = message.sender.split(":", 1)[-1] if message.is_handle else message.sender
    outgoing = Outgoing(id=str(uuid.uuid4()), to=to, text=text, status_url=status_url(channel))
    try:
        adapter_for(channel.kind).send(channel, secrets, outgoing)
    except SendFailed:
        log.warning("%s not sent on channel %s (the gateway refused)", action, channel.pk)
        return False
    with transaction.atomic():
        record_event(
            action,
            project_id=channel.project_id,
            actor=actor,
            object_type="channel",
            object_id=channel.pk,
            purpose=channel.kind,
        )
    return True


def status_url(channel: Channel) -> str:
    return settings.RESPONSEMAP_PUBLIC_URL.rstrip("/") + reverse("intake:status", args=[channel.pk])
