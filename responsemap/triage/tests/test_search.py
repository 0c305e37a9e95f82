"""The inbox's word search over sealed redacted copies, through the keyed token index."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from responsemap.projects.models import Project
from responsemap.protection.audit import event_details
from responsemap.protection.models import AuditEvent
from responsemap.protection.present import open_for_system
from responsemap.protection.tokens import tokens_for
from responsemap.triage.actions import NewFeedback, do_create_feedback_batch
from responsemap.triage.models import Feedback, FeedbackToken
from responsemap.triage.tasks import redact_feedback
from responsemap.triage.views import PAGE_SIZE

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]


def made(project: Project, *texts: str) -> list[Feedback]:
    """Records redacted as the worker makes them from messages (tokens written too)."""
    items = [NewFeedback(source="sms", content=t) for t in texts]
    return do_create_feedback_batch(project, items, None, redact_now=True)


def found(client: Client, project: Project, words: str, **more: str) -> list[str]:
    response = client.get(reverse("triage:inbox", args=[project.slug]), {"words": words, **more})
    assert response.status_code == 200
    return [item.id for item in response.context["items"]]


def test_every_word_must_match_whatever_its_case_accents_or_plural(
    client_as: ClientFor, project: Project
) -> None:
    school, water, both = made(
        project,
        "L'école du camp est fermée",
        "Pas d'eau au point d'eau",
        "Les écoles n'ont pas d'eau",
    )
    officer = client_as("officer")
    assert set(found(officer, project, "ECOLE")) == {str(school.pk), str(both.pk)}
    assert set(found(officer, project, "eaux")) == {str(water.pk), str(both.pk)}
    assert found(officer, project, "école eau") == [str(both.pk)]
    assert found(officer, project, "école tremblement") == []
    assert found(officer, project, "a") == []  # no word long enough: nothing


def test_a_name_redaction_took_out_is_not_found(client_as: ClientFor, project: Project) -> None:
    (record,) = made(project, "Mwen rele Jak Pierre, mwen pa jwenn kat manje a")
    redacted = open_for_system(record, "redacted_content", purpose="test") or ""
    assert "Pierre" not in redacted
    assert "manje" in redacted
    officer = client_as("officer")
    assert found(officer, project, "Pierre") == []
    assert found(officer, project, "manje") == [str(record.pk)]


def test_another_projects_words_are_not_found(
    client_as: ClientFor, project: Project, other_project: Project
) -> None:
    made(other_project, "latrine cassée")
    assert found(client_as("officer"), project, "latrine") == []


def test_the_search_works_with_the_other_filters_and_pages(
    client_as: ClientFor, project: Project
) -> None:
    made(project, *[f"distribution numéro {n}" for n in range(PAGE_SIZE + 3)])
    officer = client_as("officer")
    url = reverse("triage:inbox", args=[project.slug])
    first = officer.get(url, {"words": "distribution"})
    assert first.context["pager"]["count"] == PAGE_SIZE + 3
    second = officer.get(url, {"words": "distribution", "page": "2"})
    assert len(second.context["items"]) == 3
    assert found(officer, project, "distribution", status="closed") == []


def test_the_listing_names_the_search_never_its_words(
    client_as: ClientFor, project: Project
) -> None:
    made(project, "Zoravex latrine")
    found(client_as("officer"), project, "zoravex", q="")
    event = AuditEvent.objects.filter(action="feedback.list").latest("created_at", "seq")
    assert event_details([event])[0].fields == ["search"]
    stored = " ".join(str(v) for v in AuditEvent.objects.values_list()).casefold()
    assert "zoravex" not in stored


def test_the_search_costs_one_query_more_than_the_page_not_one_per_word(
    client_as: ClientFor, project: Project
) -> None:
    made(project, "un deux trois quatre cinq")
    officer = client_as("officer")
    url = reverse("triage:inbox", args=[project.slug])
    officer.get(url, {"words": "deux"})  # warm-up: session, keys
    with CaptureQueriesContext(connection) as one:
        officer.get(url, {"words": "deux"})
    with CaptureQueriesContext(connection) as four:
        officer.get(url, {"words": "deux trois quatre cinq"})
    assert len(four) == len(one)


def test_tokens_are_replaced_when_a_record_is_redacted_again_and_go_with_it(
    project: Project,
) -> None:
    (record,) = made(project, "pompe cassée")
    before = set(FeedbackToken.objects.filter(feedback=record).values_list("token", flat=True))
    # Each word under each of its forms (protection.tokens.forms).
    assert before == set(tokens_for(project.pk, "pompe cassée"))
    assert len(before) > 2
    Feedback.objects.filter(pk=record.pk).update(redacted_at=None)
    redact_feedback.call(str(record.pk))
    after = set(FeedbackToken.objects.filter(feedback=record).values_list("token", flat=True))
    assert after == before  # the same words, not twice
    Feedback.objects.filter(pk=record.pk).delete()
    assert not FeedbackToken.objects.filter(feedback_id=record.pk).exists()


def test_a_typed_in_record_is_indexed_by_the_redaction_task(project: Project) -> None:
    (record,) = do_create_feedback_batch(
        project, [NewFeedback(source="hotline", content="forage en panne")], None
    )
    assert not FeedbackToken.objects.filter(feedback=record).exists()  # after commit
    redact_feedback.call(str(record.pk))
    made_tokens = FeedbackToken.objects.filter(feedback=record, project=project)
    assert set(made_tokens.values_list("token", flat=True)) == set(
        tokens_for(project.pk, "forage en panne")
    )
