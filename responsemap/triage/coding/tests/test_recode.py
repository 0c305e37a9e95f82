"""Issue 10, point 1: re-coding a record (audited with the previous codes, raising a
protection concern at once), its card on the record page, the history in words, the
manager's framework screen, and what each persona may do."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from responsemap.accounts.models import User
from responsemap.accounts.queries import viewer_for
from responsemap.projects.models import Project
from responsemap.protection.audit import event_details
from responsemap.protection.models import AuditEvent
from responsemap.protection.viewer import Viewer
from responsemap.triage.alerts.targets import due_at_for
from responsemap.triage.choices import Sensitivity
from responsemap.triage.coding.actions import (
    CodingRefused,
    do_add_code,
    do_recode_feedback,
    do_retire_code,
)
from responsemap.triage.coding.models import Code, Kind
from responsemap.triage.models import Feedback

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]
DENIED = ["partner", "donor", "outsider", "sysadmin"]


def as_viewer(personas: dict[str, User], persona: str, project: Project) -> Viewer:
    viewer = viewer_for(personas[persona], project.pk)
    assert viewer is not None
    return viewer


def recodes(record: Feedback) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(object_id=str(record.pk), action="feedback.recode").order_by(
            "seq"
        )
    )


def test_a_recode_is_audited_with_the_previous_codes(
    personas: dict[str, User], project: Project, make_feedback: Callable[..., Feedback]
) -> None:
    manager = as_viewer(personas, "manager", project)
    do_add_code(manager, Kind.TOPIC, "water-point", "Water point")
    officer = as_viewer(personas, "officer", project)
    record = make_feedback(type_code="question", sector="wash")
    done = do_recode_feedback(
        officer, record.pk, type_code="complaint", sector="wash", topic="water-point"
    )
    assert done.changes == {"type_code": ("question", "complaint"), "topic": ("", "water-point")}
    record.refresh_from_db()
    assert (record.type_code, record.sector, record.topic) == ("complaint", "wash", "water-point")
    (event,) = recodes(record)
    assert event.fields == []
    assert event.sealed
    (opened,) = event_details([event])
    assert opened.fields == ["topic", "type_code"]
    assert opened.extra == {
        "changes": {"type_code": ["question", "complaint"], "topic": ["", "water-point"]}
    }
    # Nothing changed: nothing written.
    do_recode_feedback(
        officer, record.pk, type_code="complaint", sector="wash", topic="water-point"
    )
    assert len(recodes(record)) == 1


def test_a_recode_of_type_or_urgency_moves_the_due_time(
    personas: dict[str, User], project: Project, make_feedback: Callable[..., Feedback]
) -> None:
    officer = as_viewer(personas, "officer", project)
    record = make_feedback(type_code="question", sector="wash")
    do_recode_feedback(officer, record.pk, type_code="question", sector="wash", urgency="critical")
    record.refresh_from_db()
    assert record.due_at == due_at_for(project.pk, "question", record.received_at, "critical")
    assert record.due_at < due_at_for(project.pk, "question", record.received_at)


@pytest.mark.parametrize(
    ("type_code", "sector"), [("protection", "wash"), ("complaint", "protection")]
)
def test_recoding_to_protection_raises_sensitivity_at_once(
    personas: dict[str, User],
    project: Project,
    make_feedback: Callable[..., Feedback],
    type_code: str,
    sector: str,
) -> None:
    officer = as_viewer(personas, "officer", project)
    record = make_feedback(type_code="question", sector="wash")
    done = do_recode_feedback(officer, record.pk, type_code=type_code, sector=sector)
    assert done.raised
    record.refresh_from_db()
    assert record.sensitivity == Sensitivity.SENSITIVE
    (opened,) = event_details(recodes(record))
    assert "sensitivity" in opened.fields
    assert opened.extra
    assert opened.extra["sensitivity"] == ["normal", "sensitive"]
    # The officer no longer sees it; protection staff do, and re-coding never lowers it.
    with pytest.raises(Http404):
        do_recode_feedback(officer, record.pk, type_code="question", sector="wash")
    protection = as_viewer(personas, "protection", project)
    do_recode_feedback(protection, record.pk, type_code="question", sector="wash")
    record.refresh_from_db()
    assert (record.type_code, record.sensitivity) == ("question", Sensitivity.SENSITIVE)


def test_a_retired_code_stays_on_its_record_but_is_not_given_anew(
    personas: dict[str, User], project: Project, make_feedback: Callable[..., Feedback]
) -> None:
    manager = as_viewer(personas, "manager", project)
    officer = as_viewer(personas, "officer", project)
    kept = make_feedback(type_code="rumour", sector="cash")
    other = make_feedback(type_code="question", sector="food")
    do_retire_code(manager, Kind.TYPE, "rumour")
    # The record keeps its retired type while its sector is re-coded.
    do_recode_feedback(officer, kept.pk, type_code="rumour", sector="food")
    kept.refresh_from_db()
    assert (kept.type_code, kept.sector) == ("rumour", "food")
    with pytest.raises(CodingRefused):
        do_recode_feedback(officer, other.pk, type_code="rumour", sector="food")
    with pytest.raises(CodingRefused):
        do_recode_feedback(officer, other.pk, type_code="no-such-code", sector="food")
    with pytest.raises(CodingRefused):
        do_recode_feedback(officer, other.pk, type_code="question", sector="food", topic="x")
    other.refresh_from_db()
    assert other.type_code == "question"
    assert len(recodes(other)) == 0


@pytest.mark.parametrize("persona", ["officer", "protection", "manager"])
def test_the_coding_card_recodes_for_roles_that_edit(
    client_as: ClientFor,
    project: Project,
    make_feedback: Callable[..., Feedback],
    persona: str,
) -> None:
    record = make_feedback(type_code="question", sector="wash")
    client = client_as(persona)
    page = client.get(reverse("triage:detail", args=[project.slug, record.pk]))
    html = page.content.decode()
    assert 'id="coding"' in html
    assert "Save codes" in html
    response = client.post(
        reverse("triage:coding:recode", args=[project.slug, record.pk]),
        {"type_code": "complaint", "sector": "food", "topic": "", "urgency": "high"},
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.type_code, record.sector, record.urgency) == ("complaint", "food", "high")


@pytest.mark.parametrize("persona", ["operator", *DENIED])
def test_the_coding_card_refuses_everyone_else_and_nothing_changes(
    client_as: ClientFor,
    project: Project,
    make_feedback: Callable[..., Feedback],
    persona: str,
) -> None:
    record = make_feedback(type_code="question", sector="wash")
    before = AuditEvent.objects.count()
    response = client_as(persona).post(
        reverse("triage:coding:recode", args=[project.slug, record.pk]),
        {"type_code": "complaint", "sector": "food", "urgency": "high"},
    )
    assert response.status_code == 404
    record.refresh_from_db()
    assert (record.type_code, record.sector, record.urgency) == ("question", "wash", "normal")
    assert AuditEvent.objects.count() == before
    if persona == "operator":  # sees records but may not edit them: no form offered
        page = client_as(persona).get(reverse("triage:detail", args=[project.slug, record.pk]))
        assert "Save codes" not in page.content.decode()


def test_an_officer_recoding_to_protection_is_sent_to_the_inbox(
    client_as: ClientFor, project: Project, make_feedback: Callable[..., Feedback]
) -> None:
    record = make_feedback(type_code="question", sector="wash")
    response = client_as("officer").post(
        reverse("triage:coding:recode", args=[project.slug, record.pk]),
        {"type_code": "protection", "sector": "wash", "urgency": "normal"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("triage:inbox", args=[project.slug])
    record.refresh_from_db()
    assert record.sensitivity == Sensitivity.SENSITIVE


def test_the_history_shows_previous_and_new_codes_in_words(
    personas: dict[str, User],
    client_as: ClientFor,
    project: Project,
    make_feedback: Callable[..., Feedback],
) -> None:
    manager = as_viewer(personas, "manager", project)
    do_add_code(manager, Kind.TYPE, "feedback-loop", "Feedback on feedback")
    record = make_feedback(type_code="question", sector="wash")
    do_recode_feedback(manager, record.pk, type_code="feedback-loop", sector="wash", urgency="high")
    html = client_as("manager").get(reverse("triage:audit", args=[project.slug, record.pk]))
    text = html.content.decode()
    assert "Re-coded" in text
    assert "Type: Question → Feedback on feedback" in text
    assert "Urgency: Normal → High" in text
    assert "feedback-loop" not in text  # words, not codes


def test_the_inbox_shows_framework_labels_in_a_fixed_number_of_queries(
    personas: dict[str, User],
    client_as: ClientFor,
    project: Project,
    make_feedback: Callable[..., Feedback],
) -> None:
    manager = as_viewer(personas, "manager", project)
    do_add_code(manager, Kind.TYPE, "feedback-loop", "Feedback on feedback")
    client = client_as("officer")
    url = reverse("triage:inbox", args=[project.slug])

    def count(rows: int) -> tuple[int, int, str]:
        for n in range(rows):
            make_feedback(f"message {n}", type_code="feedback-loop", sector="food")
        client.get(url)  # warm up
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        framework_loads = [q for q in queries if Code._meta.db_table in q["sql"]]
        return len(queries), len(framework_loads), response.content.decode()

    few, few_loads, _html = count(2)
    many, many_loads, html = count(30)
    assert many == few  # labels cost nothing per row
    assert few_loads == many_loads == 1  # one load of the framework per page
    assert "Feedback on feedback" in html


def test_the_framework_screen_is_for_managers_only(client_as: ClientFor, project: Project) -> None:
    url = reverse("triage:coding:framework", args=[project.slug])
    page = client_as("manager").get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Protection concern" in html
    assert "Add a code" in html
    for persona in ["operator", "officer", "protection", *DENIED]:
        assert client_as(persona).get(url).status_code == 404, persona


@pytest.mark.parametrize("persona", ["operator", "officer", "protection", *DENIED])
def test_the_framework_screen_changes_nothing_for_anyone_else(
    client_as: ClientFor, project: Project, persona: str
) -> None:
    client = client_as(persona)
    slug = project.slug
    posts = [
        (
            reverse("triage:coding:add", args=[slug, "topic"]),
            {"topic-kind": "topic", "topic-code": "roads", "topic-label": "Roads"},
        ),
        (
            reverse("triage:coding:change", args=[slug, "type_code", "complaint"]),
            {"label": "Grievance"},
        ),
        (reverse("triage:coding:retire", args=[slug, "type_code", "rumour"]), {"retire": "1"}),
        (reverse("triage:coding:move", args=[slug, "type_code", "rumour"]), {"direction": "up"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    assert not Code.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="code.").exists()


def test_a_manager_edits_the_framework_on_its_screen(
    client_as: ClientFor, project: Project, make_feedback: Callable[..., Feedback]
) -> None:
    client = client_as("manager")
    slug = project.slug
    added = client.post(
        reverse("triage:coding:add", args=[slug, "topic"]),
        {
            "topic-kind": "topic",
            "topic-code": "roads",
            "topic-label": "Roads",
            "topic-label_fr": "Routes",
        },
    )
    assert added.status_code == 302
    assert added["Location"].endswith("#list-topic")
    client.post(
        reverse("triage:coding:change", args=[slug, "type_code", "complaint"]),
        {"label": "Grievance", "label_fr": "Doléance"},
    )
    client.post(reverse("triage:coding:retire", args=[slug, "sector", "cash"]), {"retire": "1"})
    refused = client.post(
        reverse("triage:coding:retire", args=[slug, "type_code", "protection"]), {"retire": "1"}
    )
    assert refused.status_code == 302
    row = Code.objects.get(project=project, kind="topic", code="roads")
    assert (row.label, row.labels) == ("Roads", {"fr": "Routes"})
    assert (
        Code.objects.get(project=project, kind="type_code", code="complaint").label == "Grievance"
    )
    assert Code.objects.get(project=project, kind="sector", code="cash").retired_at is not None
    assert Code.objects.get(project=project, kind="type_code", code="protection").retired_at is None
    page = client.get(reverse("triage:coding:framework", args=[slug])).content.decode()
    assert "Grievance" in page
    assert "Routes" in page
    assert "Retired" in page
    active = client.get(reverse("triage:coding:framework", args=[slug]), {"show": "active"})
    assert "Cash assistance" not in active.content.decode()
    # The inbox and the record page use the new words.
    record = make_feedback(type_code="complaint", sector="cash")
    detail = client.get(reverse("triage:detail", args=[slug, record.pk])).content.decode()
    assert "Grievance" in detail
    assert "Cash assistance (retired)" in detail
    # The manager's nav links to the screen.
    assert reverse("triage:coding:framework", args=[slug]) in detail


def test_two_people_recoding_at_once_one_wins_the_other_is_told(
    personas: dict[str, User],
    project: Project,
    make_feedback: Callable[..., Feedback],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from responsemap.triage.coding import actions
    from responsemap.triage.queries import access_feedback as load

    officer = as_viewer(personas, "officer", project)
    record = make_feedback(type_code="question", sector="wash")

    def loaded_then_changed_elsewhere(viewer: Viewer, feedback_id: object, **kw: bool) -> Feedback:
        seen = load(viewer, feedback_id, **kw)
        # Someone else's re-coding lands between this read and the write.
        Feedback.objects.filter(pk=record.pk).update(type_code="request")
        return seen

    monkeypatch.setattr(actions, "access_feedback", loaded_then_changed_elsewhere)
    with pytest.raises(CodingRefused, match="changed this record's codes meanwhile"):
        do_recode_feedback(officer, record.pk, type_code="complaint", sector="wash")
    record.refresh_from_db()
    assert record.type_code == "request"
    assert recodes(record) == []
