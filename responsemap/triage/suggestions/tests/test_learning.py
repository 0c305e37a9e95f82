"""Learning from staff decisions: a project's model trained from its coded records
(their redacted copies), stored sealed, used for its new records; the worker retrains
after enough decisions; the manager's report of agreement per week."""

from __future__ import annotations

import base64
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from responsemap.accounts.models import User
from responsemap.accounts.queries import viewer_for
from responsemap.projects.models import Project
from responsemap.protection.models import AuditEvent
from responsemap.protection.viewer import Viewer
from responsemap.triage.actions import NewFeedback, do_create_feedback, do_create_feedback_batch
from responsemap.triage.coding.actions import do_add_code
from responsemap.triage.models import Feedback
from responsemap.triage.suggestions import loading
from responsemap.triage.suggestions.actions import decide as decide_module
from responsemap.triage.suggestions.actions import (
    do_accept_suggestion,
    do_change_suggestion,
    do_train_project_model,
)
from responsemap.triage.suggestions.model import Suggester
from responsemap.triage.suggestions.models import ProjectModel, Suggestion
from responsemap.triage.suggestions.queries import agreement_by_week

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]
JERRYCANS = [
    "we need more jerrycans for the family",
    "no jerrycan and no bucket in our tent",
    "the jerrycans we got are leaking",
    "please give jerrycans to block C",
    "jerrycan distribution missed our street",
    "when do the jerrycans come",
]


def as_viewer(personas: dict[str, User], persona: str, project: Project) -> Viewer:
    viewer = viewer_for(personas[persona], project.pk)
    assert viewer is not None
    return viewer


def coded(project: Project, text: str, type_code: str, sector: str) -> Feedback:
    """A record coded by a person at entry (as the hotline form does), redacted."""
    (record,) = do_create_feedback_batch(
        project,
        [NewFeedback(source="hotline", content=text, type_code=type_code, sector=sector)],
        None,
        redact_now=True,
    )
    return record


def sms(project: Project, text: str) -> Feedback:
    (record,) = do_create_feedback_batch(
        project, [NewFeedback(source="sms", content=text)], None, redact_now=True
    )
    return record


def test_too_few_coded_records_keep_the_shipped_model(project: Project, small: Suggester) -> None:
    coded(project, "no water", "complaint", "wash")
    assert do_train_project_model(project.pk) is None
    assert not ProjectModel.objects.exists()


def test_a_project_learns_its_own_code_from_its_staff(
    project: Project, personas: dict[str, User], small: Suggester
) -> None:
    manager = as_viewer(personas, "manager", project)
    do_add_code(manager, "sector", "nfi", "Non-food items")
    for n in range(4):
        for text in JERRYCANS:
            coded(project, f"{text} {n}", "request", "nfi")
    trained = do_train_project_model(project.pk, minimum=10)
    assert trained is not None
    assert (trained.version, trained.project_examples) == (1, 24)
    row = ProjectModel.objects.get()
    # The weights are sealed under the project's key: no clear archive in the row.
    token = ProjectModel.objects.filter(pk=row.pk).values_list("weights", flat=True)[0]
    stored = bytes(token)
    assert b"PK\x03\x04" not in stored
    assert base64.b64encode(b"PK\x03\x04")[:4] not in stored
    assert AuditEvent.objects.filter(action="suggestion_model.train").count() == 1
    record = do_create_feedback(
        project, NewFeedback(source="sms", content="we have no jerrycans at all"), None
    )
    suggestion = Suggestion.objects.get(pk=record.pk)
    assert suggestion.model == "project:1"
    assert suggestion.sector == "nfi"
    # Another project still has the shipped model.
    assert loading.suggesters_for([str(project.pk)])[str(project.pk)][0] == "project:1"


def test_the_worker_retrains_after_enough_decisions(
    project: Project,
    personas: dict[str, User],
    small: Suggester,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    monkeypatch.setattr(decide_module, "RETRAIN_EVERY", 3)
    from responsemap.triage.suggestions.actions import train as train_module

    monkeypatch.setattr(train_module, "MIN_PROJECT_EXAMPLES", 3)
    officer = as_viewer(personas, "officer", project)
    records = [
        sms(project, text)
        for text in ["no water at the tap", "when is the food distribution", "thanks for tents"]
    ]
    with django_capture_on_commit_callbacks(execute=True):
        do_accept_suggestion(officer, records[0].pk)
        do_change_suggestion(
            officer, records[1].pk, type_code="request", sector="food", urgency="normal"
        )
    assert not ProjectModel.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        do_accept_suggestion(officer, records[2].pk)
    assert ProjectModel.objects.count() == 1


def test_agreement_per_week(project: Project, personas: dict[str, User], small: Suggester) -> None:
    officer = as_viewer(personas, "officer", project)
    water = do_create_feedback(
        project, NewFeedback(source="sms", content="no water at the tap"), None
    )
    food = do_create_feedback(
        project, NewFeedback(source="sms", content="when is the food distribution"), None
    )
    do_create_feedback(project, NewFeedback(source="sms", content="thanks for the tents"), None)
    do_accept_suggestion(officer, water.pk)
    do_change_suggestion(officer, food.pk, type_code="complaint", sector="food", urgency="normal")
    (week,) = agreement_by_week(project.pk)
    assert (week.suggested, week.coded, week.accepted, week.changed) == (3, 2, 1, 1)
    assert (week.type_agreed, week.sector_agreed) == (50, 100)


def test_the_report_is_for_managers_only(
    project: Project, client_as: ClientFor, small: Suggester, personas: dict[str, User]
) -> None:
    do_create_feedback(project, NewFeedback(source="sms", content="no water at the tap"), None)
    url = reverse("triage:suggestions:report", args=[project.slug])
    page = client_as("manager").get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Suggestions: agreement over time" in html
    assert "The shipped model" in html
    for persona in ["officer", "protection", "donor", "partner", "outsider", "sysadmin"]:
        assert client_as(persona).get(url).status_code == 404
        assert client_as(persona).post(url).status_code == 404
    assert not ProjectModel.objects.exists()


def test_a_manager_asks_for_a_retraining(
    project: Project, client_as: ClientFor, small: Suggester, monkeypatch: pytest.MonkeyPatch
) -> None:
    from responsemap.triage.suggestions.actions import train as train_module

    monkeypatch.setattr(train_module, "MIN_PROJECT_EXAMPLES", 2)
    for text in JERRYCANS[:3]:
        coded(project, text, "request", "shelter")
    url = reverse("triage:suggestions:report", args=[project.slug])
    response = client_as("manager").post(url, follow=True)
    assert response.status_code == 200
    assert ProjectModel.objects.count() == 1
    assert "version 1" in response.content.decode()


def test_train_suggestions_command(project: Project, small: Suggester) -> None:
    out = StringIO()
    call_command("train_suggestions", "--project", project.slug, stdout=out)
    assert "fewer than 20 coded records" in out.getvalue()
    for text in JERRYCANS:
        coded(project, text, "request", "shelter")
    out = StringIO()
    call_command("train_suggestions", "--project", project.slug, "--minimum", "5", stdout=out)
    assert "model version 1, 6 of the project's records" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("train_suggestions", "--project", "nope")
