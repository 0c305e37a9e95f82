"""Alerts: raised on an urgent record (by the worker, after the record's commit),
acknowledged by a person, escalated by the sweep when nobody did in time.

Each is one transaction with its audit event; e-mails go after commit and carry the
record's reference and a link only, never its text or the sender's number. Raising and
escalating are idempotent (one alert per record, one escalation per alert): a task run
twice tells nobody twice.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from responsemap.accounts.models import Membership
from responsemap.lib import clock
from responsemap.protection.audit import record_event
from responsemap.protection.viewer import Viewer
from responsemap.triage.alerts.models import Alert, AlertPolicy, Notification
from responsemap.triage.alerts.queries import notifications_for, policy_for
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
        people = _recipients(record, policy_for(record.project_id).alert_roles)
        _notify(alert, people, Notification.Kind.ALERT, now)
        record_event(
            "alert.raise",
            project_id=record.project_id,
            object_type="feedback",
            object_id=record.pk,
            purpose=cause,
        )
        transaction.on_commit(lambda: _send_emails(record, people, Notification.Kind.ALERT))
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
        people = _recipients(record, policy_for(record.project_id).escalation_roles)
        _notify(alert, people, Notification.Kind.ESCALATION, now)
        record_event(
            "alert.escalate",
            project_id=record.project_id,
            object_type="feedback",
            object_id=record.pk,
        )
        transaction.on_commit(lambda: _send_emails(record, people, Notification.Kind.ESCALATION))
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
) -> AlertPolicy:
    """A manager sets the project's alert policy. Audited: ``alert_policy.update``,
    naming the settings changed."""
    if not viewer.can("manage_project"):
        raise Http404
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
