"""Three bars, three decisions: "possibly urgent" is shown only; urgent above the alert
bar raises the record and alerts; a protection case at its bar hides the record "to
confirm" without alerting by itself."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from django.test import Client
from django.urls import reverse

from responsemap.accounts.models import User
from responsemap.projects.models import Project
from responsemap.protection.audit import event_details
from responsemap.protection.models import AuditEvent
from responsemap.testing import PERSONAS
from responsemap.triage.actions import NewFeedback, do_create_feedback
from responsemap.triage.alerts.models import Alert
from responsemap.triage.models import Feedback
from responsemap.triage.suggestions import bars, loading
from responsemap.triage.suggestions import model as model_module
from responsemap.triage.suggestions.model import Suggested, Suggester
from responsemap.triage.suggestions.models import Suggestion

ClientFor = Callable[[str], Client]
TEXT = "the water point has been broken since Monday"
# Who sees a record of the project on its page (the others: 404).
SEES_NORMAL = {"officer", "protection", "manager"}  # an operator: their own calls only


def suggested(**fields: Any) -> Suggested:
    base = Suggested(
        type_code="complaint",
        type_confidence=0.8,
        sector="wash",
        sector_confidence=0.7,
        urgent=False,
        urgent_confidence=0.7,
        protection=False,
        protection_confidence=0.9,
    )
    return replace(base, **fields)


class Fixed:
    """A suggester that says the same for every text."""

    def __init__(self, said: Suggested) -> None:
        self.said = said

    def suggest(self, texts: Sequence[str], allowed: Any = None) -> list[Suggested]:
        return [self.said for _ in texts]


@pytest.fixture
def saying(monkeypatch: pytest.MonkeyPatch) -> Callable[[Suggested], None]:
    def use(said: Suggested) -> None:
        monkeypatch.setattr(loading, "base_suggester", lambda: Fixed(said))
        monkeypatch.setattr(loading, "_projects", {})

    return use


def born(project: Project) -> tuple[Feedback, Suggestion]:
    record = do_create_feedback(project, NewFeedback(source="sms", content=TEXT), None)
    return Feedback.objects.get(pk=record.pk), Suggestion.objects.get(feedback_id=record.pk)


# -- choosing the bars -------------------------------------------------------------


def test_the_alert_bar_is_the_lowest_with_the_precision_asked() -> None:
    scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4]
    truth = [True, True, False, True, False, False]
    forced = [False] * 6
    # At 0.6: 3 of 4 flagged are urgent (0.75); at 0.5: 3 of 5 (0.6); at 0.4: 3 of 6.
    assert bars.lowest_bar_for_precision(scores, forced, truth, 0.6) == 0.5
    assert bars.lowest_bar_for_precision(scores, forced, truth, 0.75) == 0.6
    assert bars.lowest_bar_for_precision(scores, forced, truth, 1.01) is None


def test_a_forced_flag_counts_whatever_the_score() -> None:
    scores = [0.9, 0.1, 0.5]
    truth = [True, False, False]
    # The second is flagged by a cue at every bar: precision 1/2 at best.
    assert bars.lowest_bar_for_precision(scores, [False, True, False], truth, 0.6) is None
    assert bars.recall_precision(np.array([True, True, False]), np.array(truth)) == (1.0, 0.5)


def test_the_protection_bar_is_the_highest_with_the_recall_asked() -> None:
    scores = [0.9, 0.3, 0.2, 0.1]
    truth = [True, True, False, True]
    forced = [False, False, False, False]
    assert bars.highest_bar_for_recall(scores, forced, truth, 0.6) == 0.3
    assert bars.highest_bar_for_recall(scores, forced, truth, 0.95) == 0.1
    # A forced flag finds the last without the bar going down for it.
    assert bars.highest_bar_for_recall(scores, [False, False, False, True], truth, 0.95) == 0.3
    assert bars.highest_bar_for_recall(scores, forced, [False] * 4, 0.95) is None


def test_the_shipped_bars_are_the_ones_documented() -> None:
    assert bars.URGENT_ALERT_BAR == 0.3252
    assert bars.PROTECTION_BAR == 0.1478
    assert (bars.ALERT_PRECISION_GOAL, bars.PROTECTION_RECALL_GOAL) == (0.60, 0.95)


# -- the model applies them -------------------------------------------------------


def test_alerting_needs_the_stricter_bar_and_never_less_than_showing(
    small: Suggester, monkeypatch: pytest.MonkeyPatch
) -> None:
    calm = ["when is the next food distribution", "thank you for the tents"]
    everything_urgent = replace(small, urgent_threshold=0.0)
    monkeypatch.setattr(model_module, "URGENT_ALERT_BAR", 1.01)
    said = everything_urgent.suggest(calm)
    assert all(s.urgent for s in said)
    assert not any(s.alert for s in said)  # shown, not alerted
    # The alert bar is never below the show bar.
    monkeypatch.setattr(model_module, "URGENT_ALERT_BAR", 0.0)
    strict = replace(small, urgent_threshold=1.01)
    assert not any(s.alert or s.urgent for s in strict.suggest(calm))


def test_a_cue_alerts_whatever_the_score(small: Suggester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_module, "URGENT_ALERT_BAR", 1.01)
    strict = replace(small, urgent_threshold=1.01)
    [said] = strict.suggest(["my sister can have an extra ration if she comes alone after dark"])
    assert (said.urgent, said.alert, said.protection) == (True, True, True)


def test_the_protection_bar_hides_below_the_most_likely_code(
    small: Suggester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(model_module, "PROTECTION_BAR", 0.0)
    [said] = small.suggest(["when is the next food distribution"])
    assert said.type_code == "question"
    assert said.protection  # any chance at all of a protection case, at a bar of 0
    monkeypatch.setattr(model_module, "PROTECTION_BAR", 1.01)
    [said] = small.suggest(["when is the next food distribution"])
    assert not said.protection
    assert 0.0 <= said.protection_score <= 1.0


# -- at birth ----------------------------------------------------------------------


@pytest.mark.django_db
def test_possibly_urgent_is_shown_and_raises_nothing(
    project: Project, saying: Callable[[Suggested], None], django_capture_on_commit_callbacks: Any
) -> None:
    saying(suggested(urgent=True, urgent_confidence=0.3))
    with django_capture_on_commit_callbacks(execute=True):
        record, suggestion = born(project)
    assert (suggestion.urgent, suggestion.alerted, suggestion.raised) == (True, False, False)
    assert (record.urgency, record.sensitivity) == ("normal", "normal")
    assert not Alert.objects.exists()
    assert not AuditEvent.objects.filter(action="suggestion.raise").exists()


@pytest.mark.django_db
def test_urgent_above_the_alert_bar_raises_and_alerts(
    project: Project,
    personas: dict[str, User],
    saying: Callable[[Suggested], None],
    django_capture_on_commit_callbacks: Any,
) -> None:
    saying(suggested(urgent=True, alert=True, urgent_confidence=0.6))
    with django_capture_on_commit_callbacks(execute=True):
        record, suggestion = born(project)
    assert (suggestion.urgent, suggestion.alerted, suggestion.raised) == (True, True, True)
    assert (record.urgency, record.sensitivity) == ("high", "normal")
    assert Alert.objects.get(feedback_id=record.pk).cause == "suggest"
    event = AuditEvent.objects.get(action="suggestion.raise")
    assert event_details([event])[0].fields == ["urgency"]


@pytest.mark.django_db
def test_a_protection_case_is_hidden_to_confirm_and_not_alerted_by_itself(
    project: Project,
    personas: dict[str, User],
    saying: Callable[[Suggested], None],
    django_capture_on_commit_callbacks: Any,
) -> None:
    saying(suggested(protection=True, protection_confidence=0.2))
    with django_capture_on_commit_callbacks(execute=True):
        record, suggestion = born(project)
    assert (suggestion.raised, suggestion.alerted) == (True, False)
    assert (record.urgency, record.sensitivity, record.sensitivity_review) == (
        "normal",
        "sensitive",
        "to_confirm",
    )
    assert not Alert.objects.exists()
    event = AuditEvent.objects.get(action="suggestion.raise")
    assert event_details([event])[0].fields == ["sensitivity"]


# -- on the screens -----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("persona", [*PERSONAS, "outsider", "sysadmin"])
def test_the_record_page_says_possibly_urgent_to_those_who_see_it(
    project: Project, client_as: ClientFor, saying: Callable[[Suggested], None], persona: str
) -> None:
    saying(suggested(urgent=True, urgent_confidence=0.3))
    record, _suggestion = born(project)
    page = client_as(persona).get(reverse("triage:detail", args=[project.slug, record.pk]))
    if persona not in SEES_NORMAL:
        assert page.status_code == 404
        return
    html = page.content.decode()
    assert page.status_code == 200
    assert "possibly urgent" in html
    assert "not sure enough to alert anyone" in html
    assert "an alert was sent" not in html


@pytest.mark.django_db
def test_the_record_page_says_urgent_and_alerted_above_the_alert_bar(
    project: Project, client_as: ClientFor, saying: Callable[[Suggested], None]
) -> None:
    saying(suggested(urgent=True, alert=True, urgent_confidence=0.6))
    record, _suggestion = born(project)
    html = client_as("officer").get(reverse("triage:detail", args=[project.slug, record.pk]))
    text = html.content.decode()
    assert "an alert was sent" in text
    assert "possibly urgent" not in text


@pytest.mark.django_db
def test_the_inbox_line_says_possibly_urgent(
    project: Project, client_as: ClientFor, saying: Callable[[Suggested], None]
) -> None:
    saying(suggested(urgent=True, urgent_confidence=0.3))
    born(project)
    page = client_as("officer").get(reverse("triage:inbox", args=[project.slug]))
    assert "possibly urgent" in page.content.decode()
