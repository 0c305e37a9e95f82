"""The manager's side of bounded ID patterns: a runaway pattern is refused with its
reason; one that runs out of time on a message (injected limit: no test times the
machine) leaves that message redacted without it, is counted, and the settings screen
warns with the count and never the message."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from responsemap.geo.locate import AreaNames
from responsemap.intake.contacts.actions import do_set_redaction_settings
from responsemap.intake.contacts.models import IdPatternTimeout, IntakePolicy
from responsemap.intake.contacts.redaction_views import MAX_ID_PATTERNS
from responsemap.projects.models import Project
from responsemap.protection.models import AuditEvent
from responsemap.protection.present import open_for_system
from responsemap.protection.redaction import RedactionPolicy, find_pii
from responsemap.triage.models import Feedback
from responsemap.triage.redaction import Redactor, apply_redaction, redaction_policy

pytestmark = pytest.mark.django_db

PATTERN = "zz\\d{4}"
TEXT = "Ticket zz7781 for Mama Wanjiru, call +509 3712 3456"


def _url(project: Project) -> str:
    return reverse("intake_admin:redaction", args=[project.slug])


def _settings(**overrides: str) -> dict[str, str]:
    return {"id_patterns": "", "cue_words": "", "keep_words": "", "sample": "", **overrides}


def _out_of_time(project: Project) -> Redactor:
    """The worker's redactor for ``project``, with an ID-pattern limit that runs out on
    any text (the ``regex`` engine's own measure)."""
    areas = AreaNames(project.pk)
    return Redactor(replace(redaction_policy(project, areas), id_pattern_timeout=0.0), areas)


@pytest.mark.parametrize("pattern", ["(a+)+$", "(\\d|\\d\\d)+$", "(\\d)\\1"])
def test_a_runaway_pattern_is_refused_with_a_reason_and_nothing_saved(
    client_as: Callable[[str], Client], project: Project, pattern: str
) -> None:
    response = client_as("manager").post(_url(project), _settings(id_patterns=pattern))
    assert response.status_code == 400
    assert "can&#x27;t be used" in response.content.decode()
    assert not IntakePolicy.objects.filter(project=project).exists()
    assert not AuditEvent.objects.filter(action="redaction_settings.save").exists()


def test_too_many_patterns_are_refused(
    client_as: Callable[[str], Client], project: Project
) -> None:
    many = "\n".join(f"Q{i}\\d{{6}}" for i in range(MAX_ID_PATTERNS + 1))
    response = client_as("manager").post(_url(project), _settings(id_patterns=many))
    assert response.status_code == 400
    assert not IntakePolicy.objects.filter(project=project).exists()


def test_a_pattern_out_of_time_is_left_out_counted_and_shown_without_the_message(
    client_as: Callable[[str], Client],
    project: Project,
    make_feedback: Callable[..., Feedback],
) -> None:
    do_set_redaction_settings(
        project_id=project.pk, id_patterns=[PATTERN], cue_words=[], keep_words=[]
    )
    redactor = _out_of_time(project)
    for _ in range(2):
        record = make_feedback(TEXT)
        record.save(update_fields=apply_redaction(record, TEXT, redactor))
        # Not lost, and redacted by every other rule.
        copy = open_for_system(record, "redacted_content", purpose="test") or ""
        assert "[PHONE]" in copy
        assert "3712" not in copy
    row = IdPatternTimeout.objects.get(project=project)
    assert (row.pattern, row.count) == (PATTERN, 2)
    events = AuditEvent.objects.filter(action="redaction.id_pattern_timeout")
    assert events.count() == 2
    assert {e.object_id for e in events} == {str(row.pk)}  # a count, no text
    assert not any(e.reason or e.purpose for e in events)

    page = client_as("manager").get(_url(project))
    html = page.content.decode()
    assert page.status_code == 200
    assert "ID-number patterns that took too long" in html
    assert "2 messages" in html
    assert "zz7781" not in html
    assert "Wanjiru" not in html

    # Changed for another pattern: the warning goes with the old one.
    do_set_redaction_settings(
        project_id=project.pk, id_patterns=["QX-\\d{6}"], cue_words=[], keep_words=[]
    )
    assert not IdPatternTimeout.objects.exists()
    html = client_as("manager").get(_url(project)).content.decode()
    assert "took too long" not in html


def test_without_a_timeout_nothing_is_counted(project: Project) -> None:
    do_set_redaction_settings(
        project_id=project.pk, id_patterns=[PATTERN], cue_words=[], keep_words=[]
    )
    spans = find_pii(TEXT, redaction_policy(project))
    assert "ID_NUMBER" in [s.kind for s in spans]
    assert not IdPatternTimeout.objects.exists()


def test_trying_a_sample_says_which_pattern_ran_out_and_counts_nothing(
    client_as: Callable[[str], Client], project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    from responsemap.intake.contacts import redaction_views

    real = find_pii

    def out_of_time(text: str, policy: RedactionPolicy) -> Any:
        return real(text, replace(policy, id_pattern_timeout=0.0))

    monkeypatch.setattr(redaction_views, "find_pii", out_of_time)
    data = _settings(id_patterns=PATTERN, sample=TEXT, preview="1")
    response = client_as("manager").post(_url(project), data, headers={"X-Preview": "1"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "took too long on this sample" in html
    assert "zz\\d{4}" in html
    assert not IdPatternTimeout.objects.exists()
    assert not AuditEvent.objects.filter(action="redaction.id_pattern_timeout").exists()


def test_a_pattern_saved_before_the_checks_is_listed_to_change(
    client_as: Callable[[str], Client], project: Project
) -> None:
    # Saved before the checks existed (the action takes what the form validated).
    do_set_redaction_settings(
        project_id=project.pk, id_patterns=["(a|aa)+$", PATTERN], cue_words=[], keep_words=[]
    )
    html = client_as("manager").get(_url(project)).content.decode()
    assert "ID-number patterns to change" in html
    listed = html.split('id="outdated-patterns"')[1].split("</section>")[0]
    assert "(a|aa)+$" in listed
    assert PATTERN not in listed
