"""Response-time targets: when a record is due, from its project's policy."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from responsemap.triage.alerts.models import URGENT_TARGET_HOURS
from responsemap.triage.alerts.queries import Policy, policy_for
from responsemap.triage.choices import FeedbackType, Urgency


def target_hours(policy: Policy, type_code: str, urgency: str = Urgency.NORMAL) -> int:
    """The hours a record of this type and urgency should be answered in: the project's
    target for the type, else its default, else 72; a protection concern (unless its
    type has a target of its own) and a critical record get 24 h at most."""
    hours = policy.target_hours.get(type_code)
    if hours is None:
        hours = policy.default_target_hours
        if type_code == FeedbackType.PROTECTION:
            hours = min(hours, URGENT_TARGET_HOURS)
    if urgency == Urgency.CRITICAL:
        hours = min(hours, URGENT_TARGET_HOURS)
    return hours


def due_at_with(
    policy: Policy, type_code: str, received_at: datetime, urgency: str = Urgency.NORMAL
) -> datetime:
    return received_at + timedelta(hours=target_hours(policy, type_code, urgency))


def due_at_for(
    project_id: uuid.UUID | str,
    type_code: str,
    received_at: datetime,
    urgency: str = Urgency.NORMAL,
) -> datetime:
    """A record's due time (one query for the policy): for re-coding a record's type
    or urgency, whose target then changes."""
    return due_at_with(policy_for(project_id), type_code, received_at, urgency)
