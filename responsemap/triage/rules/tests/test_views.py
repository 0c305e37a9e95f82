"""The protection check (confirm, lower) and the rules screen, against every persona:
allowed ones work, denied ones get a 404 and nothing changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from responsemap.accounts.models import User
from responsemap.projects.models import Project
from responsemap.protection.audit import with_details
from responsemap.protection.models import AuditEvent
from responsemap.triage.models import Feedback
from responsemap.triage.rules.models import Rule

pytestmark = pytest.mark.django_db
ABUSE = "He threatened me with a knife near the latrines"
DENIED = ["operator", "officer", "manager", "partner", "donor", "outsider", "sysadmin"]


@pytest.fixture
def raised(make_feedback: Callable[..., Feedback]) -> Feedback:
    record = make_feedback(ABUSE)
    assert (record.sensitivity, record.sensitivity_review) == ("sensitive", "to_confirm")
    return record


def url(project: Project, record: Feedback, name: str) -> str:
    return reverse(f"triage:rules:{name}", kwargs={"slug": project.slug, "feedback_id": record.pk})


def state(record: Feedback) -> tuple[str, str, int]:
    fresh = Feedback.objects.get(pk=record.pk)
    events = AuditEvent.objects.filter(
        action__in=["feedback.confirm_sensitivity", "feedback.lower_sensitivity"]
    ).count()
    return fresh.sensitivity, fresh.sensitivity_review, events


@pytest.mark.parametrize("persona", DENIED)
def test_only_protection_staff_confirm_or_lower(
    persona: str, project: Project, raised: Feedback, client_as: Callable[[str], Client]
) -> None:
    before = state(raised)
    client = client_as(persona)
    assert client.post(url(project, raised, "confirm")).status_code == 404
    response = client.post(url(project, raised, "lower"), {"reason": "Not a protection case"})
    assert response.status_code == 404
    assert state(raised) == before == ("sensitive", "to_confirm", 0)


def test_protection_confirms(
    project: Project, raised: Feedback, client_as: Callable[[str], Client]
) -> None:
    client = client_as("protection")
    page = client.get(
        reverse("triage:detail", kwargs={"slug": project.slug, "feedback_id": raised.pk})
    )
    assert b'id="raised-by-rule"' in page.content
    assert client.post(url(project, raised, "confirm")).status_code == 302
    assert state(raised) == ("sensitive", "confirmed", 1)
    page = client.get(
        reverse("triage:detail", kwargs={"slug": project.slug, "feedback_id": raised.pk})
    )
    assert b'id="raised-by-rule"' not in page.content
    assert b'id="protection-check"' in page.content


def test_protection_lowers_with_a_sealed_reason(
    project: Project,
    raised: Feedback,
    client_as: Callable[[str], Client],
    personas: dict[str, User],
) -> None:
    client = client_as("protection")
    assert client.post(url(project, raised, "lower"), {"reason": "no"}).status_code == 302
    assert state(raised) == ("sensitive", "to_confirm", 0)  # a reason is needed
    assert (
        client.post(url(project, raised, "lower"), {"reason": "A rumour, no victim"}).status_code
        == 302
    )
    assert state(raised) == ("normal", "lowered", 1)
    [event] = with_details([AuditEvent.objects.get(action="feedback.lower_sensitivity")])
    assert event.reason == "A rumour, no victim"
    stored = AuditEvent.objects.filter(action="feedback.lower_sensitivity").values_list(
        "reason", flat=True
    )
    assert "rumour" not in str(list(stored))
    # The officer sees it now; the card is gone for everyone.
    officer = client_as("officer")
    page = officer.get(
        reverse("triage:detail", kwargs={"slug": project.slug, "feedback_id": raised.pk})
    )
    assert page.status_code == 200
    assert b'id="protection-check"' not in page.content


def test_rules_screen_for_managers_only(
    project: Project, client_as: Callable[[str], Client]
) -> None:
    list_url = reverse("triage:rules:list", kwargs={"slug": project.slug})
    for persona in [
        "operator",
        "officer",
        "protection",
        "partner",
        "donor",
        "outsider",
        "sysadmin",
    ]:
        client = client_as(persona)
        assert client.get(list_url).status_code == 404
        assert (
            client.post(
                reverse("triage:rules:new", kwargs={"slug": project.slug}), _rule()
            ).status_code
            == 404
        )
        assert (
            client.post(reverse("triage:rules:defaults", kwargs={"slug": project.slug})).status_code
            == 404
        )
    assert not Rule.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="rule.").exists()


def _rule(**overrides: Any) -> dict[str, Any]:
    data = {
        "name": "Cholera",
        "is_active": "on",
        "keywords_fr": "diarrhée\nvomissements",
        "keywords_ar": "إسهال",
        "sets_urgency": "high",
    }
    data.update(overrides)
    return data


def test_a_manager_adds_edits_and_starts_from_defaults(
    project: Project, client_as: Callable[[str], Client]
) -> None:
    client = client_as("manager")
    list_url = reverse("triage:rules:list", kwargs={"slug": project.slug})
    page = client.get(list_url)
    assert b'id="using-defaults"' in page.content
    assert (
        client.post(reverse("triage:rules:defaults", kwargs={"slug": project.slug})).status_code
        == 302
    )
    assert Rule.objects.count() == 2
    assert (
        client.post(reverse("triage:rules:defaults", kwargs={"slug": project.slug})).status_code
        == 302
    )
    assert Rule.objects.count() == 2  # once only
    bad = client.post(
        reverse("triage:rules:new", kwargs={"slug": project.slug}), _rule(sets_urgency="")
    )
    assert bad.status_code == 400
    assert (
        client.post(reverse("triage:rules:new", kwargs={"slug": project.slug}), _rule()).status_code
        == 302
    )
    rule = Rule.objects.get(name="Cholera")
    assert rule.keywords == {"fr": ["diarrhée", "vomissements"], "ar": ["إسهال"]}
    edit = reverse("triage:rules:edit", kwargs={"slug": project.slug, "rule_id": rule.pk})
    assert "vomissements" in client.get(edit).content.decode()
    client.post(edit, _rule(name="Cholera watch", is_active=""))
    rule.refresh_from_db()
    assert (rule.name, rule.is_active) == ("Cholera watch", False)
    actions = list(
        AuditEvent.objects.filter(action__startswith="rule.").values_list("action", flat=True)
    )
    assert sorted(actions) == ["rule.create", "rule.create", "rule.create", "rule.update"]
    assert b"Cholera watch" in client.get(list_url).content


def test_a_raised_record_is_not_in_the_officers_inbox_nor_its_count(
    project: Project,
    raised: Feedback,
    client_as: Callable[[str], Client],
    make_feedback: Callable[..., Feedback],
) -> None:
    plain = make_feedback("The water point in block 4 is broken")
    inbox = reverse("triage:inbox", kwargs={"slug": project.slug})
    officer = client_as("officer").get(inbox).content.decode()
    assert plain.reference in officer
    assert raised.reference not in officer
    assert ABUSE not in officer
    protection = client_as("protection").get(inbox).content.decode()
    assert raised.reference in protection
    # The same page, the same filters: the officer's count is one fewer.
    assert client_as("officer").get(inbox).context["pager"]["count"] == 1
    assert client_as("protection").get(inbox).context["pager"]["count"] == 2
