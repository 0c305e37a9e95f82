"""Call-backs as tasks: the assignee's list, the number revealed (audited, with a
reason), outcomes recorded (note sealed, attempts counted); every persona."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from responsemap.accounts.models import User
from responsemap.intake.contacts.models import Contact
from responsemap.projects.models import Project
from responsemap.protection.audit import with_details
from responsemap.protection.models import AuditEvent
from responsemap.protection.present import open_for_system
from responsemap.protection.system_opens import SystemPurpose
from responsemap.protection.viewer import Viewer
from responsemap.triage.actions import do_assign
from responsemap.triage.choices import Sensitivity
from responsemap.triage.models import Feedback
from responsemap.triage.replies.actions import (
    do_record_callback_outcome,
    do_reveal_callback_number,
)
from responsemap.triage.replies.models import CallbackAttempt
from responsemap.triage.replies.routing import ReplyRefused

from .conftest import CALLER_PHONE

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]
ViewerFor = Callable[[str], Viewer]
REASON = "Calling back about the pump"
NOTE = "Spoke with the caller, the pump is fixed on Thursday"
# session, user, membership, project, count, page (attempts and state as subqueries),
# and the listing event (chain head locked, event inserted…): the same for any page size.
# One fewer on PostgreSQL: the listing event's audit insert takes one statement less there.
CALLBACK_LIST_QUERIES = {"sqlite": 15, "postgresql": 14}


def assigned_call(
    hotline_call: Callable[..., Feedback], as_viewer: ViewerFor, persona: str, **fields: object
) -> Feedback:
    record = hotline_call(**fields)
    do_assign(as_viewer("protection"), record.pk, as_viewer(persona).user_id)
    record.refresh_from_db()
    return record


def reveals(record: Feedback) -> list[AuditEvent]:
    rows = AuditEvent.objects.filter(action="feedback.reveal_contact", object_id=str(record.pk))
    return with_details(rows)


def test_the_assignee_reveals_the_number_with_a_reason_audited(
    as_viewer: ViewerFor, hotline_call: Callable[..., Feedback]
) -> None:
    record = assigned_call(hotline_call, as_viewer, "officer")
    officer = as_viewer("officer")
    assert "reveal_contact" not in officer.permissions
    shown = do_reveal_callback_number(officer, record.pk, REASON)
    assert shown["phone"].value == CALLER_PHONE
    [event] = reveals(record)
    assert (event.fields, event.reason, event.purpose) == (["contact.phone"], REASON, "callback")
    [field_event] = with_details(
        AuditEvent.objects.filter(action="field.reveal", object_id=str(record.contact_id))
    )
    assert field_event.fields == ["phone"]
    assert field_event.actor_id == officer.user_id


def test_someone_else_may_not_reveal_unless_their_role_reveals_contacts(
    as_viewer: ViewerFor, hotline_call: Callable[..., Feedback]
) -> None:
    record = assigned_call(hotline_call, as_viewer, "protection")
    with pytest.raises(ReplyRefused, match="assigned to"):
        do_reveal_callback_number(as_viewer("officer"), record.pk, REASON)
    with pytest.raises(ReplyRefused, match="assigned to"):
        do_reveal_callback_number(as_viewer("manager"), record.pk, REASON)
    assert not reveals(record)
    assert not AuditEvent.objects.filter(action="field.reveal").exists()


def test_no_reveal_without_a_reason_for_an_opted_out_person_or_once_done(
    as_viewer: ViewerFor, hotline_call: Callable[..., Feedback]
) -> None:
    record = assigned_call(hotline_call, as_viewer, "officer")
    officer = as_viewer("officer")
    with pytest.raises(ReplyRefused):
        do_reveal_callback_number(officer, record.pk, "  ")
    Contact.objects.filter(pk=str(record.contact_id)).update(opted_out_at=timezone.now())
    with pytest.raises(ReplyRefused, match="opted out"):
        do_reveal_callback_number(officer, record.pk, REASON)
    Contact.objects.filter(pk=str(record.contact_id)).update(opted_out_at=None)
    do_record_callback_outcome(officer, record.pk, "reached")
    with pytest.raises(ReplyRefused, match="done already"):
        do_reveal_callback_number(officer, record.pk, REASON)
    assert not reveals(record)


def test_outcomes_no_answer_keeps_it_open_a_final_one_closes_it(
    as_viewer: ViewerFor, hotline_call: Callable[..., Feedback]
) -> None:
    record = assigned_call(hotline_call, as_viewer, "officer")
    officer = as_viewer("officer")
    do_record_callback_outcome(officer, record.pk, "no_answer")
    do_record_callback_outcome(officer, record.pk, "no_answer", "Rang twice")
    final = do_record_callback_outcome(officer, record.pk, "reached", NOTE)
    assert open_for_system(final, "note", purpose=SystemPurpose.TEST) == NOTE
    assert CallbackAttempt.objects.filter(feedback=record).count() == 3
    with pytest.raises(ReplyRefused, match="done already"):
        do_record_callback_outcome(officer, record.pk, "declined")
    with pytest.raises(ReplyRefused):
        do_record_callback_outcome(officer, hotline_call().pk, "nonsense")
    events = with_details(
        AuditEvent.objects.filter(action="callback.record_outcome").order_by("seq")
    )
    assert [e.purpose for e in events] == ["no_answer", "no_answer", "reached"]
    assert set(events[0].fields) == {"callback_attempts.outcome", "callback_attempts.note"}


def test_a_record_without_a_callback_has_no_task(
    as_viewer: ViewerFor, make_feedback: Callable[..., Feedback]
) -> None:
    record = make_feedback(source="hotline", phone="+50937123411", consent_given=True)
    with pytest.raises(ReplyRefused, match="No call-back"):
        do_record_callback_outcome(as_viewer("officer"), record.pk, "reached")


def test_my_callbacks_lists_mine_open_then_done_with_attempts(
    client_as: ClientFor,
    as_viewer: ViewerFor,
    project: Project,
    hotline_call: Callable[..., Feedback],
) -> None:
    mine = assigned_call(hotline_call, as_viewer, "officer")
    done = assigned_call(hotline_call, as_viewer, "officer")
    theirs = assigned_call(hotline_call, as_viewer, "manager")
    officer = as_viewer("officer")
    do_record_callback_outcome(officer, mine.pk, "no_answer")
    do_record_callback_outcome(officer, done.pk, "wrong_number")
    client = client_as("officer")
    url = reverse("triage:callbacks", args=[project.slug])
    body = client.get(url).content.decode()
    assert mine.reference in body
    assert done.reference not in body
    assert theirs.reference not in body
    body = client.get(url + "?state=done").content.decode()
    assert done.reference in body
    assert mine.reference not in body
    body = client.get(url + "?whose=all&state=any").content.decode()
    assert all(r.reference in body for r in (mine, done, theirs))


def test_the_callback_list_costs_a_fixed_number_of_queries(
    client_as: ClientFor,
    as_viewer: ViewerFor,
    project: Project,
    hotline_call: Callable[..., Feedback],
) -> None:
    client = client_as("officer")
    url = reverse("triage:callbacks", args=[project.slug])
    counts = []
    for _n in range(2):
        for _m in range(3):
            assigned_call(hotline_call, as_viewer, "officer")
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        counts.append(len(captured.captured_queries))
    expected = CALLBACK_LIST_QUERIES[connection.vendor]
    assert counts == [expected, expected]


def test_the_callback_page_flow_reveal_then_outcome(
    client_as: ClientFor,
    as_viewer: ViewerFor,
    project: Project,
    hotline_call: Callable[..., Feedback],
) -> None:
    record = assigned_call(hotline_call, as_viewer, "officer")
    client = client_as("officer")
    page = reverse("triage:callback", args=[project.slug, record.pk])
    body = client.get(page).content.decode()
    assert "37123499" not in body
    assert "See the number to call" in body
    # Not signed in recently: the password is asked (force_login has no auth time).
    wrong = client.post(
        reverse("triage:callback_reveal", args=[project.slug, record.pk]),
        {"reason": REASON, "password": "not-it"},
    )
    assert wrong.status_code == 403
    assert not reveals(record)
    shown = client.post(
        reverse("triage:callback_reveal", args=[project.slug, record.pk]),
        {"reason": REASON, "password": "persona-password-1"},
    )
    assert shown.status_code == 200
    assert shown["Cache-Control"] == "no-store"
    assert f"tel:{CALLER_PHONE}" in shown.content.decode()
    assert len(reveals(record)) == 1
    saved = client.post(
        reverse("triage:callback_outcome", args=[project.slug, record.pk]),
        {"outcome": "reached", "note": NOTE},
    )
    assert saved.status_code == 302
    body = client.get(page).content.decode()
    assert NOTE in body
    assert "Reached" in body
    assert "See the number to call" not in body


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("officer", True),
        ("protection", True),
        ("manager", True),
        ("operator", False),
        ("partner", False),
        ("donor", False),
        ("outsider", False),
        ("sysadmin", False),
    ],
)
def test_callback_screens_persona_matrix(
    persona: str,
    allowed: bool,
    client_as: ClientFor,
    as_viewer: ViewerFor,
    personas: dict[str, User],
    project: Project,
    hotline_call: Callable[..., Feedback],
) -> None:
    record = hotline_call()
    client = client_as(persona)
    slug = project.slug
    assert client.get(reverse("triage:callbacks", args=[slug])).status_code == (
        200 if allowed else 404
    )
    assert client.get(reverse("triage:callback", args=[slug, record.pk])).status_code == (
        200 if allowed else 404
    )
    outcome = client.post(
        reverse("triage:callback_outcome", args=[slug, record.pk]), {"outcome": "reached"}
    )
    reveal = client.post(
        reverse("triage:callback_reveal", args=[slug, record.pk]),
        {"reason": REASON, "password": "persona-password-1"},
    )
    if allowed:
        assert outcome.status_code == 302
        assert CallbackAttempt.objects.count() == 1
    else:
        assert (outcome.status_code, reveal.status_code) == (404, 404)
        assert not CallbackAttempt.objects.exists()
        assert not AuditEvent.objects.filter(
            action__in=["callback.record_outcome", "feedback.reveal_contact", "field.reveal"]
        ).exists()


def test_a_protection_case_callback_is_for_protection_roles_only(
    client_as: ClientFor,
    as_viewer: ViewerFor,
    project: Project,
    hotline_call: Callable[..., Feedback],
) -> None:
    record = assigned_call(hotline_call, as_viewer, "protection", sensitivity=Sensitivity.SENSITIVE)
    for persona in ("officer", "manager"):
        client = client_as(persona)
        assert (
            client.get(reverse("triage:callback", args=[project.slug, record.pk])).status_code
            == 404
        )
        body = client.get(reverse("triage:callbacks", args=[project.slug]) + "?whose=all")
        assert record.reference not in body.content.decode()
    shown = do_reveal_callback_number(as_viewer("protection"), record.pk, REASON)
    assert shown["phone"].value == CALLER_PHONE
