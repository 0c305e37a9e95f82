"""SMS alerts to staff phones (issue 10, point 3): off by default; when a project turns
them on, an alert and its escalation text each person told who has a confirmed number,
once, after commit, through the project's SMS channel (Kannel here, its sendsms answered
by ``responses``), with the reference and the project only — never the message or its
sender — in the person's language; never from a closed project; shown on the alert."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import responses
from django.db import connection
from django.test import Client
from django.urls import reverse

from responsemap.accounts.models import Membership, StaffPhone, User
from responsemap.accounts.phones.actions import do_set_staff_phone
from responsemap.accounts.queries import viewer_for
from responsemap.intake.channels.actions import do_create_channel
from responsemap.intake.channels.models import Channel
from responsemap.lib.clock import FakeClock
from responsemap.projects.lifecycle.actions import do_close_project
from responsemap.projects.models import Project
from responsemap.protection.models import AuditEvent
from responsemap.triage.actions import NewFeedback, do_create_feedback
from responsemap.triage.alerts.actions import do_raise_alert, do_save_alert_policy
from responsemap.triage.alerts.escalation import escalate_overdue_alerts
from responsemap.triage.alerts.models import Alert, AlertPolicy, StaffSms
from responsemap.triage.alerts.tasks import send_staff_sms
from responsemap.triage.alerts.tests.staff_phones import (
    STAFF_NUMBERS,
    Sent,
    gateway,
    sent,
    sms_channel,
    texting_policy,
    verify_phone,
)
from responsemap.triage.models import Feedback

pytestmark = pytest.mark.django_db
SENDER = "+50937004455"
SECRET_TEXT = "Le chef de camp m'a battue, appelez-moi au 3700 4455"
State = StaffSms.State


@pytest.fixture
def channel(project: Project) -> Channel:
    return sms_channel(project)


@pytest.fixture
def texting(project: Project, channel: Channel, personas: dict[str, User]) -> dict[str, User]:
    """SMS alerts on; the officer (in French), protection and manager confirmed numbers."""
    texting_policy(project, channel)
    verify_phone(personas["officer"], STAFF_NUMBERS["officer"], "fr")
    verify_phone(personas["protection"], STAFF_NUMBERS["protection"], "en")
    verify_phone(personas["manager"], STAFF_NUMBERS["manager"], "en")
    return personas


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        gateway(mock)
        yield mock


def urgent(project: Project, capture: Callable[..., Any], **fields: Any) -> Feedback:
    with capture(execute=True):
        return do_create_feedback(
            project,
            NewFeedback(
                source="sms",
                content=fields.pop("content", SECRET_TEXT),
                phone=SENDER,
                consent_given=True,
                **fields,
            ),
            None,
        )


def by_number(messages: list[Sent]) -> dict[str, str]:
    return {m.to: m.text for m in messages}


def test_off_by_default(
    project: Project,
    channel: Channel,
    personas: dict[str, User],
    rsps: responses.RequestsMock,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # A channel chosen, phones confirmed, but "also by SMS" left off.
    texting_policy(project, channel)
    verify_phone(personas["officer"], STAFF_NUMBERS["officer"])
    AlertPolicy.objects.filter(project=project).update(sms_enabled=False)
    urgent(project, django_capture_on_commit_callbacks, content="bridge down", urgency="critical")
    assert Alert.objects.exists()
    assert not StaffSms.objects.exists()
    assert len(rsps.calls) == 0


def test_an_alert_texts_each_confirmed_person_once_in_their_language(
    project: Project,
    texting: dict[str, User],
    rsps: responses.RequestsMock,
    django_capture_on_commit_callbacks: Any,
) -> None:
    record = urgent(
        project, django_capture_on_commit_callbacks, content="bridge down", urgency="critical"
    )
    texts = by_number(sent(rsps))
    # Officer and protection are alerted (the manager is not an alert role).
    assert set(texts) == {STAFF_NUMBERS["officer"], STAFF_NUMBERS["protection"]}
    english = texts[STAFF_NUMBERS["protection"]]
    assert english == f"Urgent record {record.reference} in {project.name}: open the app."
    assert record.reference in texts[STAFF_NUMBERS["officer"]]
    rows = StaffSms.objects.all()
    assert {(r.state, r.kind, r.channel_id) for r in rows} == {
        (State.SENT, "alert", rows[0].channel_id)
    }
    assert all(r.provider_message_id == str(r.pk) for r in rows)  # Kannel: our own id

    # Run again, however it happens: the task, the alert task, a duplicate send.
    for sms in rows:
        send_staff_sms.call(str(sms.pk))
    with django_capture_on_commit_callbacks(execute=True):
        assert do_raise_alert(str(record.pk), "urgency") is None
    assert len(rsps.calls) == 2
    assert StaffSms.objects.count() == 2
    assert AuditEvent.objects.filter(action="staff_sms.queue").count() == 2
    assert AuditEvent.objects.filter(action="staff_sms.send").count() == 2


def test_nothing_of_the_message_or_its_sender_is_texted(
    project: Project,
    texting: dict[str, User],
    rsps: responses.RequestsMock,
    django_capture_on_commit_callbacks: Any,
) -> None:
    record = urgent(project, django_capture_on_commit_callbacks)  # a protection case
    assert record.sensitivity == "sensitive"
    [message] = sent(rsps)  # protection staff only: the officer may not see it
    assert message.to == STAFF_NUMBERS["protection"]
    for secret in ("battue", "chef de camp", SENDER, SENDER[4:], "3700 4455", "4455"):
        assert secret not in message.text
    # Nor is a staff number in the project's audit events.
    for event in AuditEvent.objects.filter(project_id=project.pk):
        for number in STAFF_NUMBERS.values():
            assert number[4:] not in f"{event.reason} {event.fields} {event.object_id}"


def test_an_unconfirmed_number_is_never_used(
    project: Project,
    texting: dict[str, User],
    rsps: responses.RequestsMock,
    clock: FakeClock,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # The officer records a new number and does not type back its code.
    clock.advance(61)
    do_set_staff_phone(texting["officer"], "+50937998877", "en")
    rsps.calls.reset()
    urgent(project, django_capture_on_commit_callbacks, content="bridge down", urgency="critical")
    assert [m.to for m in sent(rsps)] == [STAFF_NUMBERS["protection"]]
    assert not StaffSms.objects.filter(user=texting["officer"]).exists()


def test_a_number_removed_before_the_send_is_not_texted(
    project: Project,
    texting: dict[str, User],
    rsps: responses.RequestsMock,
    django_capture_on_commit_callbacks: Any,
) -> None:
    urgent(project, django_capture_on_commit_callbacks, content="bridge down", urgency="critical")
    rsps.calls.reset()
    sms = StaffSms.objects.get(user=texting["protection"])
    StaffSms.objects.filter(pk=sms.pk).update(state=State.QUEUED)
    StaffPhone.objects.filter(user=texting["protection"]).update(verified_at=None)
    send_staff_sms.call(str(sms.pk))
    assert len(rsps.calls) == 0
    assert StaffSms.objects.get(pk=sms.pk).state == State.NO_PHONE


def test_a_person_no_longer_a_member_is_not_texted(
    project: Project,
    texting: dict[str, User],
    rsps: responses.RequestsMock,
    django_capture_on_commit_callbacks: Any,
) -> None:
    urgent(project, django_capture_on_commit_callbacks, content="x", urgency="critical")
    rsps.calls.reset()
    sms = StaffSms.objects.get(user=texting["officer"])
    StaffSms.objects.filter(pk=sms.pk).update(state=State.QUEUED)
    Membership.objects.filter(user=texting["officer"], project=project).update(is_active=False)
    send_staff_sms.call(str(sms.pk))
    assert len(rsps.calls) == 0
    assert StaffSms.objects.get(pk=sms.pk).state == State.NOT_MEMBER
    assert AuditEvent.objects.filter(action="staff_sms.not_member").count() == 1


def test_never_from_a_closed_project(
    project: Project,
    texting: dict[str, User],
    rsps: responses.RequestsMock,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # Queued, then the project closes before the worker sends it.
    record = urgent(project, django_capture_on_commit_callbacks, content="x", urgency="critical")
    rsps.calls.reset()
    StaffSms.objects.update(state=State.QUEUED)
    manager = viewer_for(texting["manager"], project.pk)
    assert do_close_project(project, actor=manager, reason="Response over")
    assert set(StaffSms.objects.values_list("state", flat=True)) == {State.CLOSED}
    for sms in StaffSms.objects.all():
        send_staff_sms.call(str(sms.pk))
    # And an alert raised after closing (a record already born) texts nobody.
    Alert.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        do_raise_alert(str(record.pk), "urgency")
    assert StaffSms.objects.filter(state=State.QUEUED).count() == 0
    assert len(rsps.calls) == 0


def test_a_send_queued_as_the_project_closed_is_marked_not_sent(
    project: Project,
    texting: dict[str, User],
    rsps: responses.RequestsMock,
    django_capture_on_commit_callbacks: Any,
) -> None:
    urgent(project, django_capture_on_commit_callbacks, content="x", urgency="critical")
    rsps.calls.reset()
    StaffSms.objects.update(state=State.QUEUED)
    Project.objects.filter(pk=project.pk).update(status=Project.Status.CLOSED)
    for sms in StaffSms.objects.all():
        send_staff_sms.call(str(sms.pk))
    assert len(rsps.calls) == 0
    assert set(StaffSms.objects.values_list("state", flat=True)) == {State.CLOSED}
    assert AuditEvent.objects.filter(action="staff_sms.not_sent_project_closed").count() == 2


def test_an_escalation_texts_the_escalation_roles(
    project: Project,
    texting: dict[str, User],
    rsps: responses.RequestsMock,
    clock: FakeClock,
    django_capture_on_commit_callbacks: Any,
) -> None:
    record = urgent(project, django_capture_on_commit_callbacks, content="x", urgency="critical")
    rsps.calls.reset()
    clock.advance(31 * 60)
    with django_capture_on_commit_callbacks(execute=True):
        assert escalate_overdue_alerts() == 1
    texts = by_number(sent(rsps))
    # Escalation roles: manager and protection (protection is texted a second time, as
    # an escalation).
    assert set(texts) == {STAFF_NUMBERS["manager"], STAFF_NUMBERS["protection"]}
    assert texts[STAFF_NUMBERS["manager"]] == (
        f"Not yet acknowledged: urgent record {record.reference} in {project.name}. Open the app."
    )
    assert StaffSms.objects.filter(kind="escalation", state=State.SENT).count() == 2
    clock.advance(3600)
    with django_capture_on_commit_callbacks(execute=True):
        assert escalate_overdue_alerts() == 0
    assert len(rsps.calls) == 2


def test_a_gateway_refusal_and_a_retry(
    project: Project,
    texting: dict[str, User],
    clock: FakeClock,
    client_as: Callable[[str], Client],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with responses.RequestsMock() as rsps:
        # The officer's is refused for good (4xx); protection's meets a busy gateway
        # (503): queued again for a retry.
        rsps.get(
            "http://127.0.0.1:13013/cgi-bin/sendsms",
            body="Authorization failed for sendsms",
            status=403,
            match=[
                responses.matchers.query_param_matcher(
                    {"to": STAFF_NUMBERS["officer"]}, strict_match=False
                )
            ],
        )
        rsps.get("http://127.0.0.1:13013/cgi-bin/sendsms", status=503)
        urgent(project, django_capture_on_commit_callbacks, content="x", urgency="critical")
    officer_sms = StaffSms.objects.get(user=texting["officer"])
    protection_sms = StaffSms.objects.get(user=texting["protection"])
    assert officer_sms.state == State.FAILED
    assert protection_sms.state == State.QUEUED
    assert protection_sms.next_attempt_at is not None
    assert protection_sms.attempts == 1
    send_staff_sms.call(str(protection_sms.pk))  # too early: nothing
    assert StaffSms.objects.get(pk=protection_sms.pk).attempts == 1
    clock.advance(11)
    with responses.RequestsMock() as rsps:
        gateway(rsps)
        send_staff_sms.call(str(protection_sms.pk))
        assert len(rsps.calls) == 1
    assert StaffSms.objects.get(pk=protection_sms.pk).state == State.SENT

    # The alert shows how its texts fared, in words.
    page = client_as("protection").get(
        reverse("triage:alerts:list", args=[project.slug]), {"show": "all"}
    )
    html = page.content.decode()
    assert "Text messages to staff phones:" in html
    assert "Sent: 1" in html
    assert "Not sent: the gateway refused it: 1" in html


def test_the_manager_turns_sms_alerts_on_with_a_channel_that_texts(
    project: Project,
    other_project: Project,
    channel: Channel,
    personas: dict[str, User],
    client_as: Callable[[str], Client],
) -> None:
    url = reverse("triage:alerts:policy", args=[project.slug])
    form = {
        "alert_urgencies": ["critical"],
        "alert_roles": ["officer"],
        "escalation_roles": ["manager"],
        "escalate_after_minutes": "30",
        "default_target_hours": "72",
        "sms_enabled": "on",
    }
    manager = client_as("manager")
    page = manager.get(url).content.decode()
    assert "Also text alerts" in page
    assert "Kannel (Kannel)" in page
    # No channel chosen: refused.
    assert manager.post(url, form).status_code == 400
    # A channel that does not text, or another project's: not a choice.
    webhook = do_create_channel(project_id=project.pk, kind="webhook", name="relay")
    elsewhere = sms_channel(other_project)
    for wrong in (webhook, elsewhere):
        assert manager.post(url, {**form, "sms_channel": str(wrong.pk)}).status_code == 400
    assert not AlertPolicy.objects.filter(project=project).exists()
    assert manager.post(url, {**form, "sms_channel": str(channel.pk)}).status_code == 302
    policy = AlertPolicy.objects.get(project=project)
    assert (policy.sms_enabled, policy.sms_channel_id) == (True, channel.pk)
    assert AuditEvent.objects.filter(action="alert_policy.update").count() == 1
    # Others may not, and nothing changes.
    for persona in ("officer", "protection", "operator", "outsider"):
        answer = client_as(persona).post(url, {**form, "sms_enabled": ""})
        assert answer.status_code == 404
    assert AlertPolicy.objects.get(project=project).sms_enabled


def test_the_action_refuses_another_projects_channel(
    project: Project, other_project: Project, personas: dict[str, User]
) -> None:
    manager = viewer_for(personas["manager"], project.pk)
    assert manager is not None
    elsewhere = sms_channel(other_project)
    with pytest.raises(ValueError, match="not an SMS channel"):
        do_save_alert_policy(
            manager,
            alert_urgencies=["critical"],
            alert_roles=["officer"],
            escalation_roles=["manager"],
            escalate_after_minutes=30,
            default_target_hours=72,
            target_hours={},
            sms_enabled=True,
            sms_channel_id=str(elsewhere.pk),
        )
    assert not AlertPolicy.objects.exists()


def test_the_staff_number_is_not_stored_in_clear(
    project: Project, texting: dict[str, User]
) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {StaffPhone._meta.db_table}")  # noqa: S608
        rows = cursor.fetchall()
    whole = b"".join(
        bytes(value) if isinstance(value, bytes | memoryview) else str(value).encode()
        for row in rows
        for value in row
    )
    for number in STAFF_NUMBERS.values():
        assert number.encode() not in whole
        assert number[4:].encode() not in whole
