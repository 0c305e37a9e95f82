"""A project's model is retrained every ``RETRAIN_EVERY`` decisions; when a training
made no model (the worker failed, or too few coded records), it is asked again after
the next ``RETRAIN_EVERY`` — not never again."""

from __future__ import annotations

from typing import Any

import pytest

from responsemap.accounts.models import User
from responsemap.projects.models import Project
from responsemap.triage.suggestions.actions import decide as decide_module
from responsemap.triage.suggestions.actions import do_accept_suggestion
from responsemap.triage.suggestions.model import Suggester
from responsemap.triage.suggestions.models import ProjectModel
from responsemap.triage.suggestions.tests.test_learning import as_viewer, sms

pytestmark = pytest.mark.django_db
TEXTS = [
    "no water at the tap",
    "when is the food distribution",
    "thanks for tents",
    "the latrines are broken",
    "no blankets for the children",
    "the clinic was closed today",
    "we need more soap",
]


def test_training_is_asked_again_after_one_that_made_no_model(
    project: Project,
    personas: dict[str, User],
    small: Suggester,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    monkeypatch.setattr(decide_module, "RETRAIN_EVERY", 3)
    asked: list[str] = []
    monkeypatch.setattr(decide_module, "_enqueue_training", asked.append)
    officer = as_viewer(personas, "officer", project)
    records = [sms(project, text) for text in TEXTS]
    for record in records:
        with django_capture_on_commit_callbacks(execute=True):
            do_accept_suggestion(officer, record.pk)
    assert not ProjectModel.objects.exists()  # the worker never trained
    assert asked == [str(project.pk), str(project.pk)]  # at 3 and at 6, not at 7
