"""The manager's redaction settings: saved through an audited action, tried on a sample
before saving (nothing stored), refused with a reason when invalid, closed to others,
and used by the worker's policy at once."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from responsemap.geo.actions import do_create_area
from responsemap.intake.contacts.models import IntakePolicy
from responsemap.intake.contacts.redaction import _area_words
from responsemap.projects.models import Project
from responsemap.protection.models import AuditEvent
from responsemap.protection.redaction import redact
from responsemap.triage.redaction import redaction_policy, redactors_for

pytestmark = pytest.mark.django_db

SETTINGS = {
    "id_patterns": "QX-\\d{6}\n",
    "cue_words": "the water committee chair\n",
    "keep_words": "Tumaini\nBaraka Hall\n",
    "sample": "",
}


def _url(project: Project) -> str:
    return reverse("intake_admin:redaction", args=[project.slug])


def test_manager_saves_settings_and_the_worker_uses_them(
    client_as: Callable[[str], Client], project: Project
) -> None:
    client = client_as("manager")
    assert client.get(_url(project)).status_code == 200
    response = client.post(_url(project), SETTINGS)
    assert response.status_code == 302
    policy = IntakePolicy.objects.get(project=project)
    assert policy.id_patterns == ["QX-\\d{6}"]
    assert policy.redaction_cue_words == ["the water committee chair"]
    assert policy.redaction_keep_words == ["Tumaini", "Baraka Hall"]
    event = AuditEvent.objects.get(action="redaction_settings.save")
    assert event.object_type == "intakepolicy"
    assert event.project_id == project.pk

    rules = redaction_policy(project)
    text = "Ask the water committee chair kodhek about card QX-123456 at Tumaini School."
    assert redact(text, rules) == (
        "Ask the water committee chair [NAME] about card [ID] at Tumaini School."
    )
    page = client.get(_url(project)).content.decode()
    assert "the water committee chair" in page


def test_trying_a_sample_shows_it_redacted_and_saves_nothing(
    client_as: Callable[[str], Client], project: Project
) -> None:
    client = client_as("manager")
    sample = "My name is Wekesa Barasa, call 0712 345 678. Card QX-654321."
    data = {**SETTINGS, "sample": sample, "preview": "1"}
    page = client.post(_url(project), data)
    assert page.status_code == 200
    html = page.content.decode()
    assert "My name is [NAME], call [PHONE]. Card [ID]." in html
    assert "Wekesa" not in html.split("The sample, redacted")[1]
    fragment = client.post(_url(project), data, headers={"X-Preview": "1"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.content.decode()
    assert "[PHONE]" in fragment.content.decode()
    assert not IntakePolicy.objects.filter(project=project).exists()
    assert not AuditEvent.objects.filter(action="redaction_settings.save").exists()


def test_a_bad_pattern_is_refused_with_a_reason(
    client_as: Callable[[str], Client], project: Project
) -> None:
    client = client_as("manager")
    response = client.post(_url(project), {**SETTINGS, "id_patterns": "[A-Z"})
    assert response.status_code == 400
    assert "not a valid regular expression" in response.content.decode()
    preview = client.post(
        _url(project),
        {**SETTINGS, "id_patterns": "(", "sample": "x", "preview": "1"},
        headers={"X-Preview": "1"},
    )
    assert preview.status_code == 400
    assert not IntakePolicy.objects.filter(project=project).exists()


def test_too_many_or_too_long_lines_are_refused(
    client_as: Callable[[str], Client], project: Project
) -> None:
    client = client_as("manager")
    many = "\n".join(f"word{i}" for i in range(201))
    assert client.post(_url(project), {**SETTINGS, "keep_words": many}).status_code == 400
    assert client.post(_url(project), {**SETTINGS, "cue_words": "x" * 201}).status_code == 400
    assert client.post(_url(project), {**SETTINGS, "sample": "x" * 2001}).status_code == 400
    assert not IntakePolicy.objects.exists()


@pytest.mark.parametrize(
    "persona", ["operator", "officer", "protection", "partner", "donor", "outsider"]
)
def test_others_get_404_and_change_nothing(
    client_as: Callable[[str], Client], project: Project, persona: str
) -> None:
    client = client_as(persona)
    assert client.get(_url(project)).status_code == 404
    assert client.post(_url(project), SETTINGS).status_code == 404
    assert client.post(_url(project), {**SETTINGS, "preview": "1"}).status_code == 404
    assert not IntakePolicy.objects.exists()
    assert not AuditEvent.objects.filter(action="redaction_settings.save").exists()


def test_area_names_are_kept_but_not_the_given_names_inside_them() -> None:
    words = _area_words(["kalobeyei", "ali addeh", "so-0101", "hawa abdi camp"])
    assert "kalobeyei" in words
    assert "addeh" in words
    assert "ali" not in words
    assert "hawa" not in words
    assert "so-0101" not in words


def test_the_worker_keeps_the_projects_area_names(project: Project) -> None:
    text = "Yesterday Lokichar people walked to Nadapal with Ekiru Lomuria."
    before = redactors_for([project])[project.pk].policy
    assert "Lokichar" not in redact(text, before)
    do_create_area(project_id=project.pk, pcode="XK0101", name="Lokichar", level=2)
    after = redactors_for([project])[project.pk].policy  # the new area is seen at once
    assert redact(text, after) == "Yesterday Lokichar people walked to Nadapal with [NAME]."
