from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from responsemap.intake.contacts.models import ConsentNotice
from responsemap.projects.models import Project
from responsemap.protection.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_manager_publishes_versions(client_as: Callable[[str], Client], project: Project) -> None:
    url = reverse("intake_admin:notices", args=[project.slug])
    client = client_as("manager")
    assert client.get(url).status_code == 200
    for text in ("Nou se ONG X. Voye STOP pou sispann.", "Nou se ONG X (v2). Voye STOP."):
        response = client.post(url, {"language": "fr", "text": text})
        assert response.status_code == 302
    versions = list(ConsentNotice.objects.filter(project=project).values_list("version", flat=True))
    assert sorted(versions) == [1, 2]
    assert AuditEvent.objects.filter(action="consent_notice.publish").count() == 2
    assert "fr-v2" in client.get(url).content.decode()


@pytest.mark.parametrize(
    "persona", ["operator", "officer", "protection", "partner", "donor", "outsider"]
)
def test_others_get_404_and_change_nothing(
    client_as: Callable[[str], Client], project: Project, persona: str
) -> None:
    url = reverse("intake_admin:notices", args=[project.slug])
    client = client_as(persona)
    assert client.get(url).status_code == 404
    assert client.post(url, {"language": "fr", "text": "x"}).status_code == 404
    assert not ConsentNotice.objects.exists()


def test_too_long_or_wrong_language_is_refused(
    client_as: Callable[[str], Client], project: Project
) -> None:
    url = reverse("intake_admin:notices", args=[project.slug])
    client = client_as("manager")
    assert client.post(url, {"language": "de", "text": "Hallo"}).status_code == 400
    assert client.post(url, {"language": "fr", "text": "x" * 481}).status_code == 400
    assert not ConsentNotice.objects.exists()
