"""Worker tasks of alerts: take ids, idempotent, enqueued after commit.

Raising an alert goes before ordinary work (sends, receipts, redaction): the queue hands
out the highest priority first (``django_tasks_db`` orders by priority, then time), so
an urgent record's alert does not wait behind a flood of receipts paced by a gateway's
rate."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from responsemap.triage.alerts.actions import do_raise_alert, do_send_staff_sms
from responsemap.triage.alerts.escalation import escalate_overdue_alerts

ALERT_PRIORITY = 50


@task(priority=ALERT_PRIORITY)
def raise_alert(feedback_id: str, cause: str, rule_ids: list[str]) -> None:
    """Alert on an urgent record just stored (once, however often this runs)."""
    do_raise_alert(feedback_id, cause, rule_ids)


@task(priority=ALERT_PRIORITY)
def raise_alerts(items: list[list[Any]]) -> None:
    """Alert on a batch's urgent records: ``[feedback id, cause, rule ids]`` each."""
    for feedback_id, cause, rule_ids in items:
        do_raise_alert(feedback_id, cause, rule_ids)


@task()
def escalate_alerts() -> None:
    escalate_overdue_alerts()


@task(priority=ALERT_PRIORITY, queue_name="outbound")
def send_staff_sms(sms_id: str) -> None:
    """Text one alert to one staff phone, at its channel's rate (once, however often
    this runs): on the ``outbound`` queue with the other sends, ahead of receipts."""
    do_send_staff_sms(sms_id)
