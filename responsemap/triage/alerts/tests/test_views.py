"""Notifications page, nav count, acknowledging, alert settings: every persona."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from responsemap.projects.models import Project
from responsemap.protection.models import AuditEvent
from responsemap.triage.actions import NewFeedback, do_create_feedback
from responsemap.triage.alerts.models import Alert, AlertPolicy, Notification
from responsemap.triage.models import Feedback

pytestmark = pytest.mark.django_db
SECRET = "bridge collapsed on the road to the camp"


def urgent(
    project: Project, capture: Callable[..., Any], content: str = SECRET, **fields: Any
) -> Feedback:
    with capture(execute=True):
        return do_create_feedback(
            project, NewFeedback(source="sms", content=content, urgency="critical", **fields), None
        )


def list_url(project: Project, **query: str) -> str:
    url = reverse("triage:alerts:list", kwargs={"slug": project.slug})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_the_officer_sees_and_acknowledges(
    project: Project,
    personas: Any,
    client_as: Callable[[str], Client],
    django_capture_on_commit_callbacks: Any,
) -> None:
    record = urgent(project, django_capture_on_commit_callbacks)
    client = client_as("officer")
    page = client.get(list_url(project))
    html = page.content.decode()
    assert record.reference in html
    assert SECRET not in html  # the reference and urgency only
    assert 'id="unread-count"' in html
    mine = Notification.objects.get(user__username="officer")
    others = Notification.objects.get(user__username="protection")
    # Someone else's notification: 404, nothing changes.
    assert (
        client.post(
            reverse(
                "triage:alerts:acknowledge",
                kwargs={"slug": project.slug, "notification_id": others.pk},
            )
        ).status_code
        == 404
    )
    assert not Alert.objects.filter(acknowledged_at__isnull=False).exists()
    ack = reverse(
        "triage:alerts:acknowledge", kwargs={"slug": project.slug, "notification_id": mine.pk}
    )
    assert client.post(ack).status_code == 302
    alert = Alert.objects.get()
    assert alert.acknowledged_by_id == mine.user_id
    assert AuditEvent.objects.filter(action="alert.acknowledge").count() == 1
    # The second acknowledgement changes nothing.
    protection = client_as("protection")
    protection.post(
        reverse(
            "triage:alerts:acknowledge", kwargs={"slug": project.slug, "notification_id": others.pk}
        )
    )
    assert AuditEvent.objects.filter(action="alert.acknowledge").count() == 1
    assert 'id="unread-count"' not in client.get(list_url(project)).content.decode()
    assert record.reference in client.get(list_url(project, show="all")).content.decode()


@pytest.mark.parametrize("persona", ["operator", "partner", "donor", "outsider", "sysadmin"])
def test_no_notifications_page_without_feedback_access(
    persona: str, project: Project, client_as: Callable[[str], Client]
) -> None:
    assert client_as(persona).get(list_url(project)).status_code == 404


def test_a_record_raised_to_sensitive_later_drops_out_of_the_officers_list(
    project: Project,
    personas: Any,
    client_as: Callable[[str], Client],
    django_capture_on_commit_callbacks: Any,
) -> None:
    record = urgent(project, django_capture_on_commit_callbacks)
    Feedback.objects.filter(pk=record.pk).update(sensitivity="sensitive")
    html = client_as("officer").get(list_url(project, show="all")).content.decode()
    assert record.reference not in html
    assert 'id="unread-count"' not in html


def test_search_by_reference_and_pages(
    project: Project,
    personas: Any,
    client_as: Callable[[str], Client],
    django_capture_on_commit_callbacks: Any,
) -> None:
    records = [
        urgent(project, django_capture_on_commit_callbacks, content=f"road {n}") for n in range(3)
    ]
    client = client_as("officer")
    wanted = records[1].reference
    html = client.get(list_url(project, ref=wanted.replace("-", "").lower())).content.decode()
    assert wanted in html
    assert records[0].reference not in html


def test_list_queries_do_not_grow_with_rows(
    project: Project,
    personas: Any,
    client_as: Callable[[str], Client],
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_as("officer")
    urgent(project, django_capture_on_commit_callbacks, content="a")
    with CaptureQueriesContext(connection) as one:
        client.get(list_url(project))
    for n in range(4):
        urgent(project, django_capture_on_commit_callbacks, content=f"b {n}")
    with CaptureQueriesContext(connection) as five:
        client.get(list_url(project))
    assert len(one) == len(five)


def test_alert_settings_for_managers_only(
    project: Project, client_as: Callable[[str], Client]
) -> None:
    url = reverse("triage:alerts:policy", kwargs={"slug": project.slug})
    data = {
        "alert_urgencies": ["high", "critical"],
        "alert_roles": ["officer"],
        "escalation_roles": ["manager"],
        "escalate_after_minutes": "15",
        "default_target_hours": "48",
        "target_protection": "12",
    }
    for persona in [
        "operator",
        "officer",
        "protection",
        "partner",
        "donor",
        "outsider",
        "sysadmin",
    ]:
        assert client_as(persona).post(url, data).status_code == 404
    assert not AlertPolicy.objects.exists()
    manager = client_as("manager")
    assert manager.get(url).status_code == 200
    assert manager.post(url, data).status_code == 302
    policy = AlertPolicy.objects.get()
    assert (policy.escalate_after_minutes, policy.target_hours, policy.alert_roles) == (
        15,
        {"protection": 12},
        ["officer"],
    )
    assert AuditEvent.objects.filter(action="alert_policy.update").count() == 1
