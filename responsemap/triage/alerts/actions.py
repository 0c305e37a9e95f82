"""Alerts: raised on an urgent record (by the worker, after the record's commit),
acknowledged by a person, escalated by the sweep when nobody did in time.

Each is one transaction with its audit event; e-mails go after commit and carry the
record's reference and a link only, never its text or the sender's number. Raising and
escalating are idempotent (one alert per record, one escalation per alert): a task run
twice tells nobody twice.

SMS to staff phones (``alerts.sms``), where the project's policy turns them on: one
``StaffSms`` per alert, person and kind, queued in the alert's transaction for each
person told who has a verified number, sent after commit on the ``outbound`` queue at
the channel's rate (``do_send_staff_sms``), once (the outbound messages' rules: a send
handed over is never repeated, ADR 0009). Every state is audited like an outbound
message's (``staff_sms.*``), with the system as actor.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from responsemap.accounts.models import Membership, StaffPhone
from responsemap.accounts.phones.actions import KIND as PHONE_KIND
from responsemap.intake.channels.base import Outgoing, SendFailed
from responsemap.intake.channels.models import Channel
from responsemap.intake.channels.queries import TAKING_STATUSES, channel_secrets
from responsemap.intake.channels.registry import adapter_for
from responsemap.intake.messages.send import (
    BACKOFF_SECONDS,
    MAX_ATTEMPTS,
    MAX_THROTTLE_SLEEP,
    claim_send_slot,
    status_url,
)
from responsemap.lib import clock
from responsemap.lib.tasks import enqueue_at, task_timeout
from responsemap.projects.models import Project
from responsemap.protection.audit import EventSpec, record_event, record_events
from responsemap.protection.staff_data import open_staff_value
from responsemap.protection.system_opens import SystemPurpose
from responsemap.protection.viewer import Viewer
from responsemap.triage.alerts.models import Alert, AlertPolicy, Notification, StaffSms
from responsemap.triage.alerts.queries import Policy, notifications_for, policy_for
from responsemap.triage.alerts.sms import SMS_KINDS, staff_sms_text, verified_phones
from responsemap.triage.choices import Sensitivity
from responsemap.triage.models import Feedback

log = logging.getLogger(__name__)


def _recipients(record: Feedback, roles: Sequence[str]) -> list[tuple[int, str]]:
    """(user id, e-mail) of the active members holding one of ``roles`` who may see the
    record: a protection-sensitive one only for roles that see those."""
    needed = {"view_feedback"}
    if record.sensitivity == Sensitivity.SENSITIVE:
        needed.add("view_sensitive")
    members = Membership.objects.select_related("user", "role").filter(
        project_id=record.project_id,
        is_active=True,
        user__is_active=True,
        role__code__in=list(roles),
    )
    return [(m.user_id, m.user.email) for m in members if needed <= set(m.role.permissions or [])]


def do_raise_alert(
    feedback_id: str, cause: str, rule_ids: Sequence[str] = (), now: datetime | None = None
) -> Alert | None:
    """Alert the policy's roles to an urgent record: one ``Alert``, a notification for
    each person, ``alert.raise`` audited; e-mails after commit. None if the record is
    gone or was alerted already."""
    now = now or clock.now()
    with transaction.atomic():
        record = Feedback.objects.select_related("project").filter(pk=feedback_id).first()
        if record is None:
            return None
        alert = Alert(
            project_id=record.project_id,
            feedback=record,
            cause=cause,
            rule_ids=list(rule_ids),
            created_at=now,
        )
        if not Alert.objects.bulk_create([alert], ignore_conflicts=True) or not (
            Alert.objects.filter(pk=alert.pk).exists()
        ):
            return None  # alerted already (a task run again)
        policy = policy_for(record.project_id)
        people = _recipients(record, policy.alert_roles)
        _notify(alert, people, Notification.Kind.ALERT, now)
        record_event(
            "alert.raise",
            project_id=record.project_id,
            object_type="feedback",
            object_id=record.pk,
            purpose=cause,
        )
        texts = _queue_staff_sms(
            alert, record.project, people, Notification.Kind.ALERT, policy, now
        )
        transaction.on_commit(lambda: _send_emails(record, people, Notification.Kind.ALERT))
        transaction.on_commit(lambda: _enqueue_staff_sms(texts))
    return alert


def do_escalate_alert(alert_id: uuid.UUID | str, now: datetime | None = None) -> bool:
    """Tell the escalation roles of an alert nobody acknowledged: once (a conditional
    update on ``escalated_at``), ``alert.escalate`` audited, e-mails after commit."""
    now = now or clock.now()
    with transaction.atomic():
        if not Alert.objects.filter(
            pk=alert_id, escalated_at__isnull=True, acknowledged_at__isnull=True
        ).update(escalated_at=now):
            return False
        alert = Alert.objects.select_related("feedback__project").get(pk=alert_id)
        record = alert.feedback
        policy = policy_for(record.project_id)
        people = _recipients(record, policy.escalation_roles)
        _notify(alert, people, Notification.Kind.ESCALATION, now)
        record_event(
            "alert.escalate",
            project_id=record.project_id,
            object_type="feedback",
            object_id=record.pk,
        )
        kind = Notification.Kind.ESCALATION
        texts = _queue_staff_sms(alert, record.project, people, kind, policy, now)
        transaction.on_commit(lambda: _send_emails(record, people, Notification.Kind.ESCALATION))
        transaction.on_commit(lambda: _enqueue_staff_sms(texts))
    return True


def _notify(alert: Alert, people: list[tuple[int, str]], kind: str, now: datetime) -> None:
    Notification.objects.bulk_create(
        [
            Notification(
                project_id=alert.project_id, alert=alert, user_id=user_id, kind=kind, created_at=now
            )
            for user_id, _email in people
        ],
        ignore_conflicts=True,
    )


def alert_email(record: Feedback, kind: str) -> tuple[str, str]:
    """Subject and body of an alert e-mail: the reference and a link, nothing else."""
    link = settings.RESPONSEMAP_PUBLIC_URL.rstrip("/") + reverse(
        "triage:detail", kwargs={"slug": record.project.slug, "feedback_id": str(record.pk)}
    )
    if kind == Notification.Kind.ESCALATION:
        subject = _("Not yet acknowledged: urgent feedback %(ref)s") % {"ref": record.reference}
    else:
        subject = _("Urgent feedback %(ref)s") % {"ref": record.reference}
    body = _(
        "A record needs attention: %(ref)s.\n\nOpen it (sign-in needed): %(link)s\n\n"
        "Acknowledge it on your notifications page so that it is not escalated."
    ) % {"ref": record.reference, "link": link}
    return subject, body


def _send_emails(record: Feedback, people: list[tuple[int, str]], kind: str) -> None:
    addresses = [email for _user, email in people if email]
    if not addresses:
        return
    subject, body = alert_email(record, kind)
    try:
        send_mass_mail(
            [(subject, body, None, [address]) for address in addresses], fail_silently=False
        )
    except OSError:
        # The in-app notification stands; the mail server's trouble is logged, not the mail.
        log.warning("alert e-mail for a record of project %s not sent", record.project_id)


def _own_notification(viewer: Viewer, notification_id: object) -> Notification:
    try:
        key = uuid.UUID(str(notification_id))
    except ValueError:
        raise Http404 from None
    found = notifications_for(viewer).select_related("alert").filter(pk=key).first()
    if found is None:
        raise Http404
    return found


def do_read_notification(viewer: Viewer, notification_id: object) -> Notification:
    """Mark one of the viewer's notifications read (bookkeeping of the person's own list,
    not audited: ADR 0006)."""
    notification = _own_notification(viewer, notification_id)
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=clock.now()
        )
    return notification


def do_acknowledge_alert(viewer: Viewer, notification_id: object) -> bool:
    """The viewer takes the alert of one of their notifications: no escalation after.
    Race-safe (the first to acknowledge wins; False for the others); ``alert.acknowledge``
    audited."""
    notification = _own_notification(viewer, notification_id)
    now = clock.now()
    with transaction.atomic():
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        taken = Alert.objects.filter(pk=notification.alert_id, acknowledged_at__isnull=True).update(
            acknowledged_at=now, acknowledged_by_id=viewer.user_id
        )
        if taken:
            record_event(
                "alert.acknowledge",
                project_id=viewer.project_id,
                actor=viewer,
                object_type="feedback",
                object_id=notification.alert.feedback_id,
            )
    return bool(taken)


def do_save_alert_policy(
    viewer: Viewer,
    *,
    alert_urgencies: Sequence[str],
    alert_roles: Sequence[str],
    escalation_roles: Sequence[str],
    escalate_after_minutes: int,
    default_target_hours: int,
    target_hours: dict[str, int],
    send_receipts: bool | None = None,
    sms_enabled: bool | None = None,
    sms_channel_id: str | None = None,
) -> AlertPolicy:
    """A manager sets the project's alert policy. Audited: ``alert_policy.update``,
    naming the settings changed. SMS alerts need one of the project's own channels
    that text (``alerts.sms.SMS_KINDS``); any other is refused (ValueError)."""
    if not viewer.can("manage_project"):
        raise Http404
    if (
        sms_channel_id
        and not Channel.objects.filter(
            pk=sms_channel_id, project_id=viewer.project_id, kind__in=SMS_KINDS
        ).exists()
    ):
        raise ValueError("not an SMS channel of this project")
    if sms_enabled and not sms_channel_id:
        raise ValueError("SMS alerts need a channel")
    values = {
        "alert_urgencies": list(alert_urgencies),
        "alert_roles": list(alert_roles),
        "escalation_roles": list(escalation_roles),
        "escalate_after_minutes": escalate_after_minutes,
        "default_target_hours": default_target_hours,
        "target_hours": dict(target_hours),
    }
    if send_receipts is not None:  # the receipt setting (status_lookup.receipts)
        values["send_receipts"] = send_receipts
    if sms_enabled is not None:  # SMS to staff phones (alerts.sms)
        values["sms_enabled"] = sms_enabled
        values["sms_channel_id"] = uuid.UUID(sms_channel_id) if sms_channel_id else None
    with transaction.atomic():
        policy, _made = AlertPolicy.objects.select_for_update().get_or_create(
            project_id=viewer.project_id, defaults=values
        )
        changed = [k for k, v in values.items() if getattr(policy, k) != v] or list(values)
        for name, value in values.items():
            setattr(policy, name, value)
        policy.save()
        record_event(
            "alert_policy.update",
            project_id=viewer.project_id,
            actor=viewer,
            object_type="project",
            object_id=viewer.project_id,
            fields=changed,
        )
    return policy


# --- SMS to staff phones ---------------------------------------------------------------

StaffState = StaffSms.State


def _queue_staff_sms(
    alert: Alert,
    project: Project,
    people: list[tuple[int, str]],
    kind: str,
    policy: Policy,
    now: datetime,
) -> list[str]:
    """In the alert's transaction: one ``StaffSms`` per person told who has a verified
    phone, if the policy texts alerts and the project still takes messages (never once it
    is closed). Returns the ids made now (none for a task run again)."""
    if not policy.sms_enabled or policy.sms_channel_id is None:
        return []
    if project.status not in TAKING_STATUSES:
        return []
    phones = verified_phones(user_id for user_id, _email in people)
    rows = [
        StaffSms(
            project_id=alert.project_id,
            alert=alert,
            user_id=user_id,
            kind=kind,
            channel_id=policy.sms_channel_id,
            created_at=now,
        )
        for user_id, _email in people
        if user_id in phones
    ]
    if not rows:
        return []
    StaffSms.objects.bulk_create(rows, ignore_conflicts=True)
    made = [
        str(pk)
        for pk in StaffSms.objects.filter(pk__in=[r.pk for r in rows]).values_list("pk", flat=True)
    ]
    record_events(
        [
            EventSpec(
                "staff_sms.queue",
                alert.project_id,
                object_type="staffsms",
                object_id=pk,
                purpose=kind,
            )
            for pk in made
        ]
    )
    return made


def _send_task() -> Any:
    """The ``send_staff_sms`` task (alerts.tasks imports this module: looked up here,
    within the package, when first needed)."""
    from responsemap.triage.alerts.tasks import send_staff_sms

    return send_staff_sms


def _enqueue_staff_sms(ids: list[str]) -> None:
    for sms_id in ids:
        _send_task().enqueue(sms_id)


def _move_staff_sms(
    sms: StaffSms,
    sources: tuple[str, ...],
    target: str,
    action: str,
    *,
    attempt: uuid.UUID | None = None,
    reason: str = "",
    **columns: Any,
) -> bool:
    """Move one staff SMS from one of ``sources`` to ``target`` (race-safe, and only
    for its attempt if given), with its audit event; False if it had moved already."""
    only: dict[str, Any] = {} if attempt is None else {"attempt_id": attempt}
    with transaction.atomic():
        moved = StaffSms.objects.filter(pk=sms.pk, state__in=sources, **only).update(
            state=target, **columns
        )
        if moved:
            record_event(
                action,
                project_id=sms.project_id,
                object_type="staffsms",
                object_id=sms.pk,
                fields=["state"],
                reason=reason,
                purpose=sms.kind,
            )
    return bool(moved)


def _not_sent(sms: StaffSms, target: str, action: str) -> None:
    _move_staff_sms(sms, (StaffState.QUEUED,), target, action)


def do_send_staff_sms(sms_id: str) -> None:
    """Send one queued staff SMS (the ``send_staff_sms`` task): at the channel's rate,
    handed over once, retried with backoff only when the gateway surely did not take it.
    Not sent, and marked so, if the project closed, the person's number is no longer
    verified, they are no longer an active member, or the channel is gone or off."""
    sms = (
        StaffSms.objects.select_related("project", "channel", "alert__feedback")
        .filter(pk=sms_id)
        .first()
    )
    if sms is None:
        return
    if sms.state == StaffState.SENDING:
        _settle_abandoned_sms(sms)
        return
    if sms.state != StaffState.QUEUED:
        return  # sent, or settled, already: a task run twice sends once
    if sms.project.status not in TAKING_STATUSES:
        if sms.project.status == Project.Status.CLOSED:
            _not_sent(sms, StaffState.CLOSED, "staff_sms.not_sent_project_closed")
        return
    if sms.next_attempt_at and sms.next_attempt_at > clock.now():
        return  # an early duplicate of a scheduled retry
    channel = sms.channel
    if channel is None or not channel.is_active or channel.kind not in SMS_KINDS:
        _not_sent(sms, StaffState.NO_CHANNEL, "staff_sms.no_channel")
        return
    phone = StaffPhone.objects.filter(user_id=sms.user_id, verified_at__isnull=False).first()
    if phone is None:
        _not_sent(sms, StaffState.NO_PHONE, "staff_sms.no_phone")
        return
    if not Membership.objects.filter(
        user_id=sms.user_id, project_id=sms.project_id, is_active=True, user__is_active=True
    ).exists():
        _not_sent(sms, StaffState.NOT_MEMBER, "staff_sms.not_member")
        return
    wait = claim_send_slot(channel.pk, channel.send_rate)
    if wait > MAX_THROTTLE_SLEEP:
        enqueue_at(_send_task(), clock.now() + timedelta(seconds=wait), str(sms.pk))
        return
    if wait > 0:
        clock.sleep(wait)
    outgoing = Outgoing(
        id=str(sms.pk),
        to=open_staff_value(
            PHONE_KIND, sms.user_id, bytes(phone.number), purpose=SystemPurpose.ADDRESS_OUTBOUND
        ),
        text=staff_sms_text(
            sms.kind, sms.alert.feedback.reference, sms.project.name, phone.language
        ),
        status_url=status_url(channel),
    )
    attempt = uuid.uuid4()
    handed = StaffSms.objects.filter(pk=sms.pk, state=StaffState.QUEUED).update(
        state=StaffState.SENDING,
        attempt_id=attempt,
        attempt_started_at=clock.now(),
        attempts=F("attempts") + 1,  # bookkeeping (ADR 0006)
    )
    if not handed:
        return  # another worker took it
    try:
        provider_id = adapter_for(channel.kind).send(
            channel, channel_secrets(channel, SystemPurpose.SEND_OUTBOUND), outgoing
        )
    except SendFailed as exc:
        _after_sms_failure(sms, attempt, sms.attempts + 1, exc)
        return
    _move_staff_sms(
        sms,
        (StaffState.SENDING,),
        StaffState.SENT,
        "staff_sms.send",
        attempt=attempt,
        provider_message_id=provider_id[:128],
        sent_at=clock.now(),
        last_error="",
    )


def _settle_abandoned_sms(sms: StaffSms) -> None:
    """ "Sending" past the task timeout: its worker died mid-send; never sent again."""
    assert sms.attempt_started_at is not None
    abandoned_at = sms.attempt_started_at + task_timeout()
    if abandoned_at > clock.now():
        enqueue_at(_send_task(), abandoned_at, str(sms.pk))
        return
    reason = "the worker sending it stopped before the gateway answered"
    if _move_staff_sms(
        sms,
        (StaffState.SENDING,),
        StaffState.UNKNOWN,
        "staff_sms.unknown",
        attempt=sms.attempt_id,
        reason=reason,
    ):
        log.warning("staff SMS %s: its worker stopped mid-send; not sent again", sms.pk)


def _after_sms_failure(sms: StaffSms, attempt: uuid.UUID, attempts: int, exc: SendFailed) -> None:
    error = exc.reason[:200]
    sending = (StaffState.SENDING,)
    if exc.maybe_sent:
        reason = "the gateway did not answer; it may have taken the message"
        _move_staff_sms(
            sms, sending, StaffState.UNKNOWN, "staff_sms.unknown",
            attempt=attempt, reason=reason, last_error=error,
        )  # fmt: skip
        return
    if not exc.retry or attempts >= MAX_ATTEMPTS:
        _move_staff_sms(
            sms, sending, StaffState.FAILED, "staff_sms.fail",
            attempt=attempt, reason=f"after {attempts} attempt(s)", last_error=error,
        )  # fmt: skip
        log.warning("staff SMS %s failed for good after %s attempts", sms.pk, attempts)
        return
    retry_at = clock.now() + timedelta(seconds=BACKOFF_SECONDS[attempts - 1])
    back = StaffSms.objects.filter(pk=sms.pk, state=StaffState.SENDING, attempt_id=attempt)
    if back.update(state=StaffState.QUEUED, next_attempt_at=retry_at, last_error=error):
        enqueue_at(_send_task(), retry_at, str(sms.pk))  # bookkeeping (ADR 0006)


def mark_staff_sms_unsent(project_id: uuid.UUID | str) -> dict[str, object]:
    """As a project closes (``projects.hooks``, in the closing transaction): its staff
    SMS still queued are never sent; their number goes into the ``project.close`` event."""
    count = StaffSms.objects.filter(project_id=project_id, state=StaffState.QUEUED).update(
        state=StaffState.CLOSED, next_attempt_at=None
    )
    return {"staff_sms_unsent": count}


def do_send_staff_code(user_id: int, number: str, text: str) -> bool:
    """Text a staff member the code that proves their number (accounts.phones.hooks),
    at once, through the SMS channel of a project of theirs that texts alerts (the first
    by name whose gateway takes it). Audited in that project's chain without the number
    (``staff_sms.code_send``); False if no such channel could send it."""
    member_of = Membership.objects.filter(
        user_id=user_id, is_active=True, project__status__in=TAKING_STATUSES
    ).values_list("project_id", flat=True)
    policies = (
        AlertPolicy.objects.filter(
            project_id__in=list(member_of),
            sms_enabled=True,
            sms_channel__is_active=True,
            sms_channel__kind__in=SMS_KINDS,
        )
        .select_related("sms_channel")
        .order_by("project__name", "project_id")
    )
    for policy in policies:
        channel = policy.sms_channel
        assert channel is not None
        outgoing = Outgoing(
            id=str(uuid.uuid4()), to=number, text=text, status_url=status_url(channel)
        )
        try:
            adapter_for(channel.kind).send(
                channel, channel_secrets(channel, SystemPurpose.SEND_OUTBOUND), outgoing
            )
        except SendFailed:
            log.warning("staff phone code not sent on channel %s (the gateway refused)", channel.pk)
            continue
        with transaction.atomic():
            record_event(
                "staff_sms.code_send",
                project_id=channel.project_id,
                object_type="channel",
                object_id=channel.pk,
                purpose=channel.kind,
            )
        return True
    return False
