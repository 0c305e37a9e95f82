"""Reading alert policies, notifications and the overdue condition."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from responsemap.protection.viewer import Viewer
from responsemap.triage.alerts.models import (
    DEFAULT_ALERT_ROLES,
    DEFAULT_ALERT_URGENCIES,
    DEFAULT_ESCALATE_AFTER_MINUTES,
    DEFAULT_ESCALATION_ROLES,
    DEFAULT_TARGET_HOURS,
    AlertPolicy,
    Notification,
    StaffSms,
)
from responsemap.triage.choices import Status
from responsemap.triage.queries import feedback_visible_to

# A record in one of these needs no more work: it is never overdue.
DONE_STATUSES = (Status.ANSWERED, Status.CLOSED)


@dataclass(frozen=True)
class Policy:
    """A project's alert settings as values (the defaults where it has no row)."""

    alert_urgencies: tuple[str, ...] = tuple(DEFAULT_ALERT_URGENCIES)
    alert_roles: tuple[str, ...] = tuple(DEFAULT_ALERT_ROLES)
    escalation_roles: tuple[str, ...] = tuple(DEFAULT_ESCALATION_ROLES)
    escalate_after_minutes: int = DEFAULT_ESCALATE_AFTER_MINUTES
    target_hours: dict[str, int] = field(default_factory=dict)
    default_target_hours: int = DEFAULT_TARGET_HOURS
    send_receipts: bool = True  # status_lookup.receipts
    sms_enabled: bool = False  # also by SMS to staff phones (alerts.sms)
    sms_channel_id: uuid.UUID | None = None

    @classmethod
    def of(cls, row: AlertPolicy | None) -> Policy:
        if row is None:
            return cls()
        return cls(
            alert_urgencies=tuple(row.alert_urgencies),
            alert_roles=tuple(row.alert_roles),
            escalation_roles=tuple(row.escalation_roles),
            escalate_after_minutes=row.escalate_after_minutes,
            target_hours={k: int(v) for k, v in (row.target_hours or {}).items()},
            default_target_hours=row.default_target_hours,
            send_receipts=row.send_receipts,
            sms_enabled=row.sms_enabled,
            sms_channel_id=row.sms_channel_id,
        )


def policies_for(project_ids: Iterable[uuid.UUID | str]) -> dict[str, Policy]:
    """Each project's policy, by project id as text: one query."""
    ids = {str(p) for p in project_ids}
    rows = {str(r.project_id): r for r in AlertPolicy.objects.filter(project_id__in=ids)}
    return {p: Policy.of(rows.get(p)) for p in ids}


def policy_for(project_id: uuid.UUID | str) -> Policy:
    return policies_for([project_id])[str(project_id)]


def overdue_q(now: datetime) -> Q:
    """Records past their response-time target and not yet answered or closed: one
    condition the (project, due_at) index answers (the inbox's "overdue" filter)."""
    return Q(due_at__lt=now) & ~Q(status__in=DONE_STATUSES)


def notifications_for(viewer: Viewer) -> QuerySet[Notification]:
    """The viewer's own notifications in the project, about records they may still see
    (a record raised to protection-sensitive since is left out, as in the inbox)."""
    if viewer.user_id is None:
        return Notification.objects.none()
    # A correlated EXISTS on the record's primary key: driven by the person's own few
    # rows (index on user, project), never a scan of the project's records.
    return Notification.objects.filter(
        Exists(feedback_visible_to(viewer).filter(pk=OuterRef("alert__feedback_id"))),
        user_id=viewer.user_id,
        project_id=viewer.project_id,
    )


def unread_count(viewer: Viewer) -> int:
    return notifications_for(viewer).filter(read_at__isnull=True).count()


def sms_status_of(alert_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[tuple[str, int]]]:
    """How the staff SMS of each alert fared, in words: [(state's label, how many)], one
    query for a page of alerts. No names, no numbers."""
    ids = list(alert_ids)
    if not ids:
        return {}
    counts: dict[uuid.UUID, list[tuple[str, int]]] = {}
    rows = (
        StaffSms.objects.filter(alert_id__in=ids)
        .values_list("alert_id", "state")
        .annotate(n=Count("pk"))
        .order_by("alert_id", "state")
    )
    for alert_id, state, n in rows:
        counts.setdefault(alert_id, []).append((str(StaffSms.State(state).label), n))
    return counts
