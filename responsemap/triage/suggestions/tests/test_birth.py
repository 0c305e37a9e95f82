"""A suggestion for every record at its birth, on every path; never applied to the
record's codes; an urgent or protection suggestion raises the record and alerts."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from responsemap.accounts.models import User
from responsemap.intake.channels.actions import do_create_channel
from responsemap.intake.channels.base import Inbound
from responsemap.intake.channels.queries import load_inbound_channel
from responsemap.intake.contacts.actions import do_get_or_create_contact
from responsemap.intake.messages.store import store_from_phone
from responsemap.intake.messages.sweep import sweep_batch
from responsemap.projects.models import Project
from responsemap.protection.audit import event_details
from responsemap.protection.models import AuditEvent
from responsemap.triage.actions import NewFeedback, do_create_feedback, do_create_feedback_batch
from responsemap.triage.alerts.models import Alert, Notification
from responsemap.triage.models import Feedback
from responsemap.triage.suggestions import loading
from responsemap.triage.suggestions.model import Suggester
from responsemap.triage.suggestions.models import Suggestion

pytestmark = pytest.mark.django_db
EXPLOITATION = (
    "the guard at the warehouse says my sister can have an extra ration if she comes "
    "alone after dark"
)
CALM = "when is the next food distribution"
SENDER = "+50937001199"


def made(project: Project, text: str, **fields: Any) -> Feedback:
    record = do_create_feedback(project, NewFeedback(source="sms", content=text, **fields), None)
    return Feedback.objects.get(pk=record.pk)


def test_every_record_gets_a_suggestion_and_its_codes_stay_as_they_were(
    project: Project, small: Suggester
) -> None:
    record = made(project, CALM)
    suggestion = Suggestion.objects.get(feedback_id=record.pk)
    assert (suggestion.type_code, suggestion.sector) == ("question", "food")
    assert suggestion.model == "base"
    assert suggestion.decision == ""
    assert 0 < suggestion.type_confidence <= 1
    assert 0 < suggestion.sector_confidence <= 1
    # Never applied silently: the record is still uncoded, normal, not raised.
    assert (record.type_code, record.sector, record.urgency) == ("uncoded", "uncoded", "normal")
    assert record.sensitivity == "normal"
    assert not suggestion.raised
    assert not Alert.objects.exists()
    assert not AuditEvent.objects.filter(action="suggestion.raise").exists()


def test_codes_given_at_entry_are_kept(project: Project, small: Suggester) -> None:
    record = made(project, CALM, type_code="complaint", sector="wash")
    assert (record.type_code, record.sector) == ("complaint", "wash")
    assert Suggestion.objects.get(feedback_id=record.pk).type_code == "question"


def test_an_urgent_protection_suggestion_raises_the_record_and_alerts(
    project: Project,
    personas: dict[str, User],
    small: Suggester,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        record = made(project, EXPLOITATION)
    suggestion = Suggestion.objects.get(feedback_id=record.pk)
    assert suggestion.urgent
    assert suggestion.protection
    assert suggestion.raised
    assert "exploitation" in suggestion.cues
    assert (record.urgency, record.sensitivity, record.sensitivity_review) == (
        "high",
        "sensitive",
        "to_confirm",
    )
    # The codes are still for a person to decide.
    assert (record.type_code, record.sector) == ("uncoded", "uncoded")
    alert = Alert.objects.get(feedback_id=record.pk)
    assert alert.cause == "suggest"
    assert Notification.objects.filter(alert=alert).exists()
    event = AuditEvent.objects.get(action="suggestion.raise")
    assert (event.object_id, event.actor_label, event.purpose) == (
        str(record.pk),
        "system",
        "suggestion",
    )
    assert set(event_details([event])[0].fields) == {"urgency", "sensitivity"}
    # The response-time target follows the raised urgency.
    assert record.due_at is not None


def test_a_record_raised_further_by_a_rule_keeps_the_rule_s_urgency(
    project: Project, small: Suggester, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        record = made(project, "he beat me and threatened to kill me if she comes alone")
    assert record.urgency == "critical"  # the default protection rule
    assert Alert.objects.filter(feedback_id=record.pk).count() == 1


def test_an_sms_through_the_worker_gets_its_suggestion(project: Project, small: Suggester) -> None:
    do_get_or_create_contact(project_id=project.pk, country="HT", raw_phone=SENDER)
    channel = do_create_channel(project_id=project.pk, kind="webhook", name="relay")
    loaded = load_inbound_channel(channel.pk)
    assert loaded is not None
    store_from_phone(loaded, Inbound("m1", SENDER, EXPLOITATION))
    store_from_phone(loaded, Inbound("m2", SENDER, "the tap is broken, no water"))
    assert sweep_batch() == 2
    by_urgent = {s.urgent: s for s in Suggestion.objects.all()}
    assert by_urgent[True].raised
    assert (by_urgent[False].type_code, by_urgent[False].sector) == ("complaint", "wash")
    assert Feedback.objects.get(pk=by_urgent[True].feedback_id).urgency == "high"


def test_a_batch_of_several_projects_uses_each_project_s_model(
    project: Project, other_project: Project, small: Suggester
) -> None:
    records = do_create_feedback_batch(
        [project, other_project],
        [NewFeedback(source="sms", content=CALM), NewFeedback(source="sms", content=CALM)],
        None,
    )
    assert Suggestion.objects.filter(feedback_id__in=[r.pk for r in records]).count() == 2


def test_suggestions_can_be_turned_off(project: Project, settings: Any, small: Suggester) -> None:
    settings.RESPONSEMAP_SUGGESTIONS_AT_BIRTH = False
    record = made(project, EXPLOITATION)
    assert not Suggestion.objects.exists()
    assert record.urgency == "normal"


def test_the_shipped_model_is_trained_once_and_cached_under_var(
    project: Project, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loading, "_base", None)
    first = loading.base_suggester()
    assert loading.cache_path(loading.base_key()).exists()
    monkeypatch.setattr(loading, "_base", None)
    again = loading.base_suggester()
    assert again.to_bytes() == first.to_bytes()
    record = made(project, "my baby has a high fever and is not breathing")
    assert Suggestion.objects.get(feedback_id=record.pk).model == "base"


def test_the_demo_gets_suggestions(small: Suggester) -> None:
    call_command("seed_demo", "--records", "20", "--no-accounts", verbosity=0)
    assert Suggestion.objects.count() >= 20


def test_the_worker_s_upkeep_warms_the_shipped_model(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from responsemap.lib.tasks import _upkeep

    calls: list[int] = []
    monkeypatch.setattr(loading, "base_suggester", lambda: calls.append(1))
    assert loading.warm_base_model in _upkeep
    loading.warm_base_model()
    settings.RESPONSEMAP_SUGGESTIONS_AT_BIRTH = False
    loading.warm_base_model()
    assert calls == [1]
