"""Accepting or changing a suggestion: through the audited re-code, by the roles that
may edit records only; the card on the record page, the line in the inbox."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from responsemap.accounts.models import User
from responsemap.accounts.queries import viewer_for
from responsemap.projects.models import Project
from responsemap.protection.audit import event_details
from responsemap.protection.models import AuditEvent
from responsemap.protection.viewer import Viewer
from responsemap.triage.actions import NewFeedback, do_create_feedback
from responsemap.triage.coding.actions import do_retire_code
from responsemap.triage.models import Feedback
from responsemap.triage.suggestions.actions import (
    SuggestionRefused,
    do_accept_suggestion,
    do_change_suggestion,
)
from responsemap.triage.suggestions.model import Suggester
from responsemap.triage.suggestions.models import Suggestion

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]
DENIED = ["donor", "partner", "outsider", "sysadmin"]
WATER = "no water at the tap again, it is broken"


def as_viewer(personas: dict[str, User], persona: str, project: Project) -> Viewer:
    viewer = viewer_for(personas[persona], project.pk)
    assert viewer is not None
    return viewer


def record_of(project: Project, text: str = WATER) -> Feedback:
    return do_create_feedback(project, NewFeedback(source="sms", content=text), None)


def events(record: Feedback, action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_id=str(record.pk), action=action))


def test_accepting_recodes_the_record_and_is_audited(
    project: Project, personas: dict[str, User], small: Suggester
) -> None:
    record = record_of(project)
    officer = as_viewer(personas, "officer", project)
    done = do_accept_suggestion(officer, record.pk)
    assert done.changes == {"type_code": ("uncoded", "complaint"), "sector": ("uncoded", "wash")}
    stored = Feedback.objects.get(pk=record.pk)
    assert (stored.type_code, stored.sector) == ("complaint", "wash")
    suggestion = Suggestion.objects.get(pk=record.pk)
    assert suggestion.decision == "accepted"
    assert suggestion.decided_by_id == personas["officer"].pk
    assert suggestion.decided_at is not None
    (recode,) = events(record, "feedback.recode")
    (accepted,) = events(record, "suggestion.accept")
    assert accepted.actor_label == recode.actor_label
    assert set(event_details([accepted])[0].fields) == {"type_code", "sector", "urgency"}


def test_changing_records_the_person_s_codes(
    project: Project, personas: dict[str, User], small: Suggester
) -> None:
    record = record_of(project)
    officer = as_viewer(personas, "officer", project)
    do_change_suggestion(officer, record.pk, type_code="request", sector="wash", urgency="high")
    stored = Feedback.objects.get(pk=record.pk)
    assert (stored.type_code, stored.sector, stored.urgency) == ("request", "wash", "high")
    assert Suggestion.objects.get(pk=record.pk).decision == "changed"
    assert len(events(record, "suggestion.change")) == 1
    assert len(events(record, "feedback.recode")) == 1


def test_a_change_to_the_suggested_codes_counts_as_accepted(
    project: Project, personas: dict[str, User], small: Suggester
) -> None:
    record = record_of(project)
    officer = as_viewer(personas, "officer", project)
    do_change_suggestion(officer, record.pk, type_code="complaint", sector="wash", urgency="normal")
    assert Suggestion.objects.get(pk=record.pk).decision == "accepted"


def test_a_code_the_framework_refuses_changes_nothing(
    project: Project, personas: dict[str, User], small: Suggester
) -> None:
    record = record_of(project)
    do_retire_code(as_viewer(personas, "manager", project), "type_code", "complaint")
    officer = as_viewer(personas, "officer", project)
    with pytest.raises(SuggestionRefused):
        do_accept_suggestion(officer, record.pk)
    stored = Feedback.objects.get(pk=record.pk)
    assert (stored.type_code, stored.sector) == ("uncoded", "uncoded")
    assert Suggestion.objects.get(pk=record.pk).decision == ""
    assert not events(record, "suggestion.accept")


def test_the_record_page_shows_the_suggestion_with_its_buttons(
    project: Project, client_as: ClientFor, small: Suggester
) -> None:
    record = record_of(project)
    page = client_as("officer").get(reverse("triage:detail", args=[project.slug, record.pk]))
    html = page.content.decode()
    assert 'id="suggestion"' in html
    assert "Suggested:" in html
    assert "Complaint" in html
    assert reverse("triage:suggestions:accept", args=[project.slug, record.pk]) in html
    assert reverse("triage:suggestions:change", args=[project.slug, record.pk]) in html
    # A role that may only read sees the suggestion, no buttons.
    page = client_as("donor").get(reverse("triage:detail", args=[project.slug, record.pk]))
    assert page.status_code in (200, 404)
    if page.status_code == 200:
        assert "suggestion/accept" not in page.content.decode()


def test_accept_and_change_from_the_screens(
    project: Project, client_as: ClientFor, small: Suggester
) -> None:
    record = record_of(project)
    officer = client_as("officer")
    inbox = reverse("triage:inbox", args=[project.slug]) + "?sort=urgency"
    response = officer.post(
        reverse("triage:suggestions:accept", args=[project.slug, record.pk]), {"next": inbox}
    )
    assert response.status_code == 302
    assert response["Location"] == inbox
    assert Feedback.objects.get(pk=record.pk).type_code == "complaint"
    other = record_of(project)
    response = officer.post(
        reverse("triage:suggestions:change", args=[project.slug, other.pk]),
        {
            "suggestion-type_code": "question",
            "suggestion-sector": "wash",
            "suggestion-urgency": "normal",
            "next": "https://elsewhere.example/",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/feedback/{other.pk}/#suggestion")
    assert Feedback.objects.get(pk=other.pk).type_code == "question"


def test_a_bad_change_is_refused_with_a_reason_and_nothing_changes(
    project: Project, client_as: ClientFor, small: Suggester
) -> None:
    record = record_of(project)
    response = client_as("officer").post(
        reverse("triage:suggestions:change", args=[project.slug, record.pk]),
        {"suggestion-type_code": "nonsense", "suggestion-sector": "wash"},
        follow=True,
    )
    assert response.status_code == 200
    assert "The codes were not saved" in response.content.decode()
    assert Feedback.objects.get(pk=record.pk).type_code == "uncoded"
    assert Suggestion.objects.get(pk=record.pk).decision == ""


@pytest.mark.parametrize("persona", DENIED)
def test_roles_that_may_not_edit_change_nothing(
    project: Project, client_as: ClientFor, persona: str, small: Suggester
) -> None:
    record = record_of(project)
    before = AuditEvent.objects.count()
    client = client_as(persona)
    for name, data in [
        ("accept", {}),
        (
            "change",
            {
                "suggestion-type_code": "question",
                "suggestion-sector": "food",
                "suggestion-urgency": "normal",
            },
        ),
    ]:
        response = client.post(
            reverse(f"triage:suggestions:{name}", args=[project.slug, record.pk]), data
        )
        assert response.status_code in (403, 404)
    stored = Feedback.objects.get(pk=record.pk)
    assert (stored.type_code, stored.sector) == ("uncoded", "uncoded")
    assert Suggestion.objects.get(pk=record.pk).decision == ""
    assert not AuditEvent.objects.filter(action__startswith="suggestion.").exists()
    assert not AuditEvent.objects.filter(action="feedback.recode").exists()
    assert AuditEvent.objects.count() - before <= 2  # a denial at most, never a change


def test_a_get_is_not_a_decision(project: Project, client_as: ClientFor, small: Suggester) -> None:
    record = record_of(project)
    response = client_as("officer").get(
        reverse("triage:suggestions:accept", args=[project.slug, record.pk])
    )
    assert response.status_code == 405
    assert Suggestion.objects.get(pk=record.pk).decision == ""


def test_the_inbox_shows_each_row_s_suggestion_and_an_accept_button(
    project: Project, client_as: ClientFor, small: Suggester
) -> None:
    record_of(project)
    record_of(project, "when is the next food distribution")
    html = client_as("officer").get(reverse("triage:inbox", args=[project.slug])).content.decode()
    assert html.count('class="suggestion-row"') == 2
    assert "Complaint · Water, sanitation and hygiene" in html
    assert "Question · Food security" in html
    assert html.count("/suggestion/accept/") == 2
    # Read-only roles see the line, not the button.
    html = client_as("donor").get(reverse("triage:inbox", args=[project.slug])).content.decode()
    assert "/suggestion/accept/" not in html


def test_the_inbox_query_count_does_not_grow_with_suggestions(
    project: Project,
    client_as: ClientFor,
    small: Suggester,
    django_assert_max_num_queries: Any,
) -> None:
    for n in range(30):
        record_of(project, f"message {n} no water")
    client = client_as("officer")
    client.get(reverse("triage:inbox", args=[project.slug]))  # warm the session
    # 22: the page's suggestions are one of them; the count of protected cases not
    # shown to an officer another (triage.inbox.queries.protected_cases_not_shown).
    with django_assert_max_num_queries(22):
        assert client.get(reverse("triage:inbox", args=[project.slug])).status_code == 200
