"""The project's duplicate and spam settings screen (managers only, audited)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from responsemap.projects.models import Project
from responsemap.protection.audit import with_details
from responsemap.protection.models import AuditEvent
from responsemap.triage.duplicates.models import DuplicatePolicy

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]
VALUES = {"window_hours": "72", "similarity": "60", "rate_messages": "5", "rate_minutes": "15"}


def test_a_manager_changes_the_settings(client_as: ClientFor, project: Project) -> None:
    client = client_as("manager")
    url = reverse("triage:duplicate_settings", args=[project.slug])
    page = client.get(url)
    assert page.status_code == 200
    assert 'value="48"' in page.content.decode()  # the defaults, before any row
    assert client.post(url, VALUES).status_code == 302
    policy = DuplicatePolicy.objects.get(project=project)
    assert (policy.window_hours, policy.similarity) == (72, 0.6)
    assert (policy.rate_messages, policy.rate_minutes) == (5, 15)
    event = with_details(AuditEvent.objects.filter(action="duplicate_policy.update"))[0]
    assert set(event.fields) == {"window_hours", "similarity", "rate_messages", "rate_minutes"}
    bad = client.post(url, {**VALUES, "similarity": "5"})
    assert bad.status_code == 200
    assert DuplicatePolicy.objects.get(project=project).similarity == 0.6


@pytest.mark.parametrize(
    "persona", ["operator", "officer", "protection", "partner", "donor", "outsider"]
)
def test_other_roles_get_404_and_change_nothing(
    persona: str, client_as: ClientFor, project: Project
) -> None:
    url = reverse("triage:duplicate_settings", args=[project.slug])
    client = client_as(persona)
    before = AuditEvent.objects.count()
    assert client.get(url).status_code == 404
    assert client.post(url, VALUES).status_code == 404
    assert not DuplicatePolicy.objects.exists()
    assert AuditEvent.objects.count() == before
