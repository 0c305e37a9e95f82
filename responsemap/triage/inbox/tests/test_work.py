"""Bulk actions, saved filters and My calls (triage.inbox), persona by persona: who may,
what they see, and that a refusal changes nothing (no row, no audit event)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from responsemap.accounts.models import User
from responsemap.projects.models import Project
from responsemap.protection.models import AuditEvent
from responsemap.protection.present import open_for_system
from responsemap.triage.actions import NewFeedback, do_create_feedback
from responsemap.triage.inbox.models import SavedFilter
from responsemap.triage.models import Feedback

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]
EDITORS = ("officer", "protection", "manager")
NOT_EDITORS = ("operator", "partner", "donor", "outsider")


def events(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


def bulk(client: Client, project: Project, *records: Feedback, **data: Any) -> Any:
    return client.post(
        reverse("triage:bulk", args=[project.slug]),
        {"ids": [str(r.pk) for r in records], "back": "sector=food", **data},
    )


# -- bulk ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", EDITORS)
def test_an_editor_moves_the_selected_records_each_through_its_audited_action(
    client_as: ClientFor, project: Project, make_feedback: Callable[..., Feedback], persona: str
) -> None:
    records = [make_feedback(f"m{n}") for n in range(3)]
    before = events("feedback.change_status")
    response = bulk(client_as(persona), project, *records, action="status", to_status="triaged")
    assert response.status_code == 302
    assert response["Location"].endswith("?sector=food")  # back to the same filters
    assert set(Feedback.objects.values_list("status", flat=True)) == {"triaged"}
    assert events("feedback.change_status") == before + 3


def test_refused_records_are_named_with_why_and_the_others_still_move(
    client_as: ClientFor, project: Project, make_feedback: Callable[..., Feedback]
) -> None:
    movable, closed = make_feedback("a"), make_feedback("b")
    Feedback.objects.filter(pk=closed.pk).update(status="closed")
    sensitive = make_feedback("c", sensitivity="sensitive")  # the officer can't see it
    client = client_as("officer")
    response = bulk(
        client, project, movable, closed, sensitive, action="status", to_status="triaged"
    )
    said = [str(m) for m in response.wsgi_request._messages]
    assert said[0] == "1 record changed."
    assert any(closed.reference in m and "can't be moved" in m for m in said), said
    assert any("Not found" in m for m in said), said
    assert not any(sensitive.reference in m for m in said)  # not even its reference
    assert Feedback.objects.get(pk=movable.pk).status == "triaged"
    assert Feedback.objects.get(pk=closed.pk).status == "closed"
    assert Feedback.objects.get(pk=sensitive.pk).status == "new"


def test_bulk_assign_assigns_each_and_moves_new_ones_to_assigned(
    client_as: ClientFor,
    project: Project,
    personas: dict[str, User],
    make_feedback: Callable[..., Feedback],
) -> None:
    records = [make_feedback(f"m{n}") for n in range(2)]
    before = events("feedback.assign")
    bulk(client_as("manager"), project, *records, action="assign", assignee=personas["officer"].pk)
    assert set(Feedback.objects.values_list("assignee_id", "status")) == {
        (personas["officer"].pk, "assigned")
    }
    assert events("feedback.assign") == before + 2


@pytest.mark.parametrize("persona", NOT_EDITORS)
def test_a_role_that_may_not_edit_gets_a_404_and_nothing_changes(
    client_as: ClientFor, project: Project, make_feedback: Callable[..., Feedback], persona: str
) -> None:
    record = make_feedback()
    before = AuditEvent.objects.count()
    response = bulk(client_as(persona), project, record, action="status", to_status="triaged")
    assert response.status_code == 404
    assert Feedback.objects.get(pk=record.pk).status == "new"
    assert AuditEvent.objects.count() == before


def test_another_projects_record_is_refused_as_not_found(
    client_as: ClientFor, project: Project, other_project: Project
) -> None:
    theirs = do_create_feedback(other_project, NewFeedback(source="sms", content="x"), None)
    response = bulk(client_as("officer"), project, theirs, action="status", to_status="triaged")
    said = [str(m) for m in response.wsgi_request._messages]
    assert said == ["A record was not changed: Not found, or not one you may work on."]
    assert Feedback.objects.get(pk=theirs.pk).status == "new"


def test_nothing_selected_or_no_status_changes_nothing(
    client_as: ClientFor, project: Project, make_feedback: Callable[..., Feedback]
) -> None:
    record = make_feedback()
    before = AuditEvent.objects.count()
    bulk(client_as("officer"), project, action="status", to_status="triaged")
    bulk(client_as("officer"), project, record, action="status")
    assert Feedback.objects.get(pk=record.pk).status == "new"
    assert AuditEvent.objects.count() == before


def test_the_inbox_offers_checkboxes_only_to_editors(
    client_as: ClientFor, project: Project, make_feedback: Callable[..., Feedback]
) -> None:
    record = make_feedback()
    url = reverse("triage:inbox", args=[project.slug])
    html = client_as("officer").get(url).content.decode()
    assert f'name="ids" value="{record.pk}" form="bulk"' in html
    assert f"Select {record.reference}" in html  # a label for each box
    protection_html = client_as("protection").get(url).content.decode()
    assert 'id="bulk"' in protection_html
    # A role that sees records but may not edit them: none (all default roles that see
    # feedback may edit; a custom one is checked through the view's rule).


# -- saved filters ---------------------------------------------------------------------


def test_saved_filters_are_sealed_private_and_listed_above_the_inbox(
    client_as: ClientFor, project: Project, personas: dict[str, User]
) -> None:
    officer = client_as("officer")
    before = events("saved_filter.save")
    response = officer.post(
        reverse("triage:save_filter", args=[project.slug]),
        {"name": "Jacmel water", "query": "words=pompe&sector=wash&page=4&evil=1"},
    )
    assert response.status_code == 302
    saved = SavedFilter.objects.get()
    assert saved.owner == personas["officer"]
    query = open_for_system(saved, "query", purpose="test")
    assert query == "words=pompe&sector=wash"  # filters only: no page, nothing else
    assert events("saved_filter.save") == before + 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, query FROM triage_savedfilter")
        raw = b"".join(bytes(v) for v in cursor.fetchone())
    assert b"pompe" not in raw
    assert b"Jacmel" not in raw
    url = reverse("triage:inbox", args=[project.slug])
    mine = officer.get(url)
    assert mine.context["saved_filters"][0]["href"].endswith("?words=pompe&sector=wash")
    assert "Jacmel water" in mine.content.decode()
    for other in ("manager", "protection"):
        assert client_as(other).get(url).context["saved_filters"] == []


def test_only_the_owner_deletes_a_saved_filter(client_as: ClientFor, project: Project) -> None:
    client_as("officer").post(
        reverse("triage:save_filter", args=[project.slug]),
        {"name": "Mine", "query": "sector=food"},
    )
    saved = SavedFilter.objects.get()
    url = reverse("triage:delete_filter", args=[project.slug, saved.pk])
    before = AuditEvent.objects.count()
    for persona in ("manager", "protection", "outsider", "operator"):
        assert client_as(persona).post(url).status_code == 404, persona
    assert SavedFilter.objects.filter(pk=saved.pk).exists()
    assert AuditEvent.objects.count() == before
    assert client_as("officer").post(url).status_code == 302
    assert not SavedFilter.objects.exists()
    assert events("saved_filter.delete") == 1


@pytest.mark.parametrize("persona", ["operator", "partner", "donor", "outsider"])
def test_a_role_without_the_inbox_saves_no_filter(
    client_as: ClientFor, project: Project, persona: str
) -> None:
    response = client_as(persona).post(
        reverse("triage:save_filter", args=[project.slug]), {"name": "x", "query": "q=1"}
    )
    assert response.status_code == 404
    assert not SavedFilter.objects.exists()


# -- my calls --------------------------------------------------------------------------


def _entered_by(project: Project, user: User, **fields: Any) -> Feedback:
    from responsemap.accounts.queries import viewer_for

    viewer = viewer_for(user, project.pk)
    return do_create_feedback(
        project, NewFeedback(source="hotline", content="Secret words", **fields), viewer
    )


def test_my_calls_shows_an_operator_their_calls_without_the_message(
    client_as: ClientFor,
    project: Project,
    personas: dict[str, User],
    make_feedback: Callable[..., Feedback],
) -> None:
    mine = _entered_by(project, personas["operator"], type_code="complaint")
    held = _entered_by(project, personas["operator"], sensitivity="sensitive")
    _entered_by(project, personas["officer"])
    make_feedback("Someone else's")
    response = client_as("operator").get(reverse("triage:my_calls", args=[project.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    shown = [c["shown"]["reference"] for c in response.context["calls"]]
    assert sorted(map(str, shown)) == sorted([mine.reference, held.reference])
    assert "Secret words" not in html
    assert "Complaint" in html
    # The operator may not open records: references without links.
    assert reverse("triage:detail", args=[project.slug, mine.pk]) not in html
    held_row = next(
        c for c in response.context["calls"] if str(c["shown"]["reference"]) == held.reference
    )
    assert held_row["held"]


def test_my_calls_links_for_a_role_that_may_open_them_and_is_denied_to_others(
    client_as: ClientFor, project: Project, personas: dict[str, User]
) -> None:
    mine = _entered_by(project, personas["officer"])
    url = reverse("triage:my_calls", args=[project.slug])
    html = client_as("officer").get(url).content.decode()
    assert reverse("triage:detail", args=[project.slug, mine.pk]) in html
    for persona in ("protection", "partner", "donor", "outsider"):
        assert client_as(persona).get(url).status_code == 404, persona
