"""Alerts: made once, after commit, to the people who may see the record; e-mails with
a reference and a link only; escalation once, by the sweep, with the clock moved."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction

from responsemap.accounts.models import User
from responsemap.intake.messages.send import send_outbound
from responsemap.intake.messages.sweep import sweep_received
from responsemap.lib.clock import FakeClock
from responsemap.projects.models import Project
from responsemap.protection.models import AuditEvent
from responsemap.triage.actions import NewFeedback, do_create_feedback
from responsemap.triage.alerts.actions import do_raise_alert
from responsemap.triage.alerts.escalation import escalate_overdue_alerts
from responsemap.triage.alerts.models import Alert, AlertPolicy, Notification
from responsemap.triage.alerts.tasks import raise_alert, raise_alerts
from responsemap.triage.models import Feedback

pytestmark = pytest.mark.django_db
PHONE = "+50937004455"
SECRET_TEXT = "Le chef de camp m'a battue, appelez-moi"


@pytest.fixture
def with_emails(personas: dict[str, User]) -> dict[str, User]:
    for name, user in personas.items():
        user.email = f"{name}@example.org"
        user.save()
    return personas


def urgent(project: Project, capture: Callable[..., Any], **fields: Any) -> Feedback:
    with capture(execute=True):
        return do_create_feedback(
            project,
            NewFeedback(
                source="sms",
                content=fields.pop("content", SECRET_TEXT),
                phone=PHONE,
                consent_given=True,
                **fields,
            ),
            None,
        )


def notified(kind: str = "alert") -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("user__username", flat=True))


def test_a_protection_match_alerts_protection_staff_only(
    project: Project, with_emails: dict[str, User], django_capture_on_commit_callbacks: Any
) -> None:
    record = urgent(project, django_capture_on_commit_callbacks)
    assert record.sensitivity == "sensitive"
    alert = Alert.objects.get()
    assert (alert.feedback_id, alert.cause) == (record.pk, "rule")
    # The officer may not see a sensitive record: not told of it either.
    assert notified() == {"protection"}
    assert [m.to for m in mail.outbox] == [["protection@example.org"]]
    assert AuditEvent.objects.filter(action="alert.raise", object_id=str(record.pk)).count() == 1


def test_a_critical_record_alerts_officers_and_protection(
    project: Project, with_emails: dict[str, User], django_capture_on_commit_callbacks: Any
) -> None:
    urgent(project, django_capture_on_commit_callbacks, content="bridge down", urgency="critical")
    assert Alert.objects.get().cause == "urgency"
    assert notified() == {"officer", "protection"}


def test_a_normal_record_alerts_nobody(
    project: Project, personas: dict[str, User], django_capture_on_commit_callbacks: Any
) -> None:
    urgent(project, django_capture_on_commit_callbacks, content="no water", urgency="high")
    assert not Alert.objects.exists()
    AlertPolicy.objects.create(project=project, alert_urgencies=["high"], alert_roles=["manager"])
    urgent(project, django_capture_on_commit_callbacks, content="no water", urgency="high")
    assert notified() == {"manager"}


def test_an_alert_is_made_once_however_often_the_task_runs(
    project: Project, with_emails: dict[str, User], django_capture_on_commit_callbacks: Any
) -> None:
    record = urgent(project, django_capture_on_commit_callbacks)
    raise_alert.enqueue(str(record.pk), "rule", [])
    assert do_raise_alert(str(record.pk), "rule") is None
    assert (Alert.objects.count(), Notification.objects.count(), len(mail.outbox)) == (1, 1, 1)


def test_no_alert_when_the_record_rolls_back(
    project: Project, personas: dict[str, User], django_capture_on_commit_callbacks: Any
) -> None:
    def born_then_failed() -> None:
        with transaction.atomic():
            do_create_feedback(project, NewFeedback(source="sms", content=SECRET_TEXT), None)
            raise RuntimeError

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        born_then_failed()
    assert not Alert.objects.exists()
    assert not Feedback.objects.exists()
    assert mail.outbox == []


def test_the_email_has_the_reference_and_a_link_only(
    project: Project, with_emails: dict[str, User], django_capture_on_commit_callbacks: Any
) -> None:
    record = urgent(project, django_capture_on_commit_callbacks)
    [message] = mail.outbox
    whole = f"{message.subject}\n{message.body}"
    assert record.reference in message.subject
    assert f"/feedback/{record.pk}/" in message.body
    for secret in (SECRET_TEXT, "battue", PHONE, PHONE[4:], "3700 4455"):
        assert secret not in whole


def test_escalation_once_after_the_delay(
    project: Project,
    with_emails: dict[str, User],
    clock: FakeClock,
    django_capture_on_commit_callbacks: Any,
) -> None:
    urgent(project, django_capture_on_commit_callbacks, content="bridge down", urgency="critical")
    mail.outbox.clear()
    clock.advance(29 * 60)
    assert escalate_overdue_alerts() == 0
    clock.advance(2 * 60)
    with django_capture_on_commit_callbacks(execute=True):
        assert escalate_overdue_alerts() == 1
    assert notified("escalation") == {"manager", "protection"}
    assert sorted(m.to[0] for m in mail.outbox) == ["manager@example.org", "protection@example.org"]
    assert "Not yet acknowledged" in mail.outbox[0].subject
    clock.advance(60 * 60)
    assert escalate_overdue_alerts() == 0
    call_command("escalate_alerts")
    assert Notification.objects.filter(kind="escalation").count() == 2
    assert AuditEvent.objects.filter(action="alert.escalate").count() == 1


def test_escalation_delay_is_the_projects(
    project: Project,
    personas: dict[str, User],
    clock: FakeClock,
    django_capture_on_commit_callbacks: Any,
) -> None:
    AlertPolicy.objects.create(
        project=project,
        alert_urgencies=["critical"],
        escalate_after_minutes=5,
        escalation_roles=["manager"],
    )
    urgent(project, django_capture_on_commit_callbacks, content="bridge down", urgency="critical")
    clock.advance(6 * 60)
    assert escalate_overdue_alerts() == 1
    assert notified("escalation") == {"manager"}


def test_an_acknowledged_alert_is_not_escalated(
    project: Project,
    personas: dict[str, User],
    clock: FakeClock,
    django_capture_on_commit_callbacks: Any,
) -> None:
    urgent(project, django_capture_on_commit_callbacks, content="bridge down", urgency="critical")
    Alert.objects.update(acknowledged_at=clock.now())
    clock.advance(3600)
    assert escalate_overdue_alerts() == 0


def test_alerts_go_before_sends_and_sweeps_in_the_queue() -> None:
    """An urgent record's alert must not wait behind receipts paced by a gateway."""
    for alert_task in (raise_alert, raise_alerts):
        assert alert_task.priority > max(send_outbound.priority, sweep_received.priority)
