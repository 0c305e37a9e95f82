"""Worker tasks of alerts: take ids, idempotent, enqueued after commit."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from responsemap.triage.alerts.actions import do_raise_alert
from responsemap.triage.alerts.escalation import escalate_overdue_alerts


@task()
def raise_alert(feedback_id: str, cause: str, rule_ids: list[str]) -> None:
    """Alert on an urgent record just stored (once, however often this runs)."""
    do_raise_alert(feedback_id, cause, rule_ids)


@task()
def raise_alerts(items: list[list[Any]]) -> None:
    """Alert on a batch's urgent records: ``[feedback id, cause, rule ids]`` each."""
    for feedback_id, cause, rule_ids in items:
        do_raise_alert(feedback_id, cause, rule_ids)


@task()
def escalate_alerts() -> None:
    escalate_overdue_alerts()
