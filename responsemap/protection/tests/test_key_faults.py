"""Key faults fail safe: the keystore reports every fault as ``KeyUnavailable`` (never a
ValueError a caller could take for bad input), and staff pages answer with a clear 503
page in words, logged for the operator, instead of a 500. A destroyed key is final: 410.
(Webhooks: intake/channels/tests/test_faults.py.)"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from responsemap.projects.models import Project
from responsemap.protection.keyring import crypto_shred_project, get_keyring, seal
from responsemap.protection.keystore import KeyDestroyed, KeyUnavailable
from responsemap.protection.tests.faults import KEY_FAULTS, broken_keys
from responsemap.testing import PASSWORD
from responsemap.triage.models import Feedback

ClientFor = Callable[[str], Client]
PAGE_WORDS = "The project's keys can't be read right now; the operator has been told."


@pytest.mark.django_db
@pytest.mark.parametrize("fault", KEY_FAULTS)
def test_every_key_fault_is_key_unavailable_with_no_key_material(
    fault: str, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_file = Path(settings.RESPONSEMAP_KEY_DIR) / f"{project.pk}.key"
    material = [*json.loads(key_file.read_text())["versions"].values()]
    material.append(os.environ["RESPONSEMAP_MASTER_KEY"])
    with broken_keys(fault, project.pk, monkeypatch):
        with pytest.raises(KeyUnavailable) as raised:
            seal(project.pk, b"binding", "text")
        assert not isinstance(raised.value, KeyDestroyed)
        message = str(raised.value)
        assert str(project.pk) in message or "master key" in message or "directory" in message
        # No key material: neither the wrapped key nor the master key (nor a bad one).
        for secret in [*material, os.environ.get("RESPONSEMAP_MASTER_KEY", "")]:
            assert not secret or secret not in message
        # Nothing a caller could take for bad input (ValueError → 400 on a webhook).
        assert not isinstance(raised.value, ValueError)
    assert seal(project.pk, b"binding", "text")  # repaired: works again


@pytest.mark.django_db
def test_a_destroyed_key_is_key_destroyed(project: Project) -> None:
    crypto_shred_project(project.pk)
    with pytest.raises(KeyDestroyed):
        get_keyring().keys(project.pk)


# --- Staff pages ---------------------------------------------------------------------


def _hotline_form() -> dict[str, str]:
    return {
        "consent": "no",
        "language": "fr",
        "content": "Pa gen dlo nan kan an",
        "type_code": "question",
        "sector": "uncoded",
        "urgency": "normal",
        "gender": "unknown",
        "age_band": "unknown",
        "disability": "unknown",
        "displacement": "unknown",
    }


def _pages(project: Project, record: Feedback) -> dict[str, tuple[str, str, dict[str, str]]]:
    slug = project.slug
    return {
        "inbox": ("get", reverse("triage:inbox", args=[slug]), {}),
        "record": ("get", reverse("triage:detail", args=[slug, record.pk]), {}),
        "reveal": (
            "post",
            reverse("triage:reveal", args=[slug, record.pk]),
            {"field": "content", "reason": "follow up call", "password": PASSWORD},
        ),
        "hotline": ("post", reverse("triage:hotline", args=[slug]), _hotline_form()),
    }


def _fetch(client: Client, method: str, url: str, data: dict[str, str]) -> object:
    return client.post(url, data) if method == "post" else client.get(url)


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["inbox", "record", "reveal", "hotline"])
@pytest.mark.parametrize(
    "fault", ["key file not JSON", "wrapped key corrupted", "wrong master key"]
)
def test_staff_pages_answer_503_in_words_never_500(
    page: str,
    fault: str,
    project: Project,
    client_as: ClientFor,
    make_feedback: Callable[..., Feedback],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    record = make_feedback("Dlo a koupe nan kan an")
    client = client_as("officer" if page != "hotline" else "operator")
    method, url, data = _pages(project, record)[page]
    before = Feedback.objects.count()
    with broken_keys(fault, project.pk, monkeypatch), caplog.at_level(logging.ERROR):
        response = _fetch(client, method, url, data)
    # The inbox and a record may show without opening anything (masked); a page that
    # must open or seal a value gets the error page, never a 500.
    assert response.status_code in (200, 503), response.status_code  # type: ignore[attr-defined]
    if page in ("reveal", "hotline"):
        assert response.status_code == 503  # type: ignore[attr-defined]
    if response.status_code == 503:  # type: ignore[attr-defined]
        body = response.content.decode()  # type: ignore[attr-defined]
        assert PAGE_WORDS in body
        assert response["Retry-After"] == "60"  # type: ignore[index]
        assert "Dlo a koupe" not in body
        logged = [r for r in caplog.records if r.name == "responsemap.protection.middleware"]
        assert len(logged) == 1
        assert "Dlo a koupe" not in logged[0].getMessage()
    assert Feedback.objects.count() == before  # the hotline record was not half-made


@pytest.mark.django_db
def test_staff_page_of_a_destroyed_project_says_so(
    project: Project, client_as: ClientFor, make_feedback: Callable[..., Feedback]
) -> None:
    make_feedback("Dlo a koupe")
    crypto_shred_project(project.pk)
    response = client_as("operator").post(
        reverse("triage:hotline", args=[project.slug]), _hotline_form()
    )
    assert response.status_code == 410
    assert "This project's data was destroyed" in " ".join(response.content.decode().split())


@pytest.mark.django_db
def test_the_error_page_is_translated(
    project: Project,
    client_as: ClientFor,
    make_feedback: Callable[..., Feedback],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The page's words go through gettext (the lead translates them at the end):
    the page renders in the product's layout, in the user's language."""
    record = make_feedback("x")
    client = client_as("officer")
    url = reverse("triage:reveal", args=[project.slug, record.pk])
    data = {"field": "content", "reason": "follow up call", "password": PASSWORD}
    with broken_keys("key file not JSON", project.pk, monkeypatch):
        response = client.post(url, data, headers={"accept-language": "fr"})
    assert response.status_code == 503
    body = response.content.decode()
    assert 'lang="fr"' in body
    assert "Community Response Map" in body or "Carte" in body
