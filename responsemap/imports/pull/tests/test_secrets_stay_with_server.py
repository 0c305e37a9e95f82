"""A saved token or password is sent only to the server it was typed for: changing a
connection's server address asks for them again (else anyone editing the address
could have the saved secret sent to a server of their choosing)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from responsemap.imports.pull.models import PullSource
from responsemap.imports.pull.tests.standin import ODK_EMAIL, ODK_PASSWORD, StandIn
from responsemap.imports.pull.tests.test_views import connected, kobo_post
from responsemap.projects.models import Project
from responsemap.protection.models import AuditEvent

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]
ELSEWHERE = "https://collector.example.net"


def _odk_post(standin: StandIn, **changes: str) -> dict[str, str]:
    data = {
        "kind": "odk",
        "name": "ODK form",
        "server_url": standin.base,
        "project_id": "7",
        "form_id": "feedback",
        "email": ODK_EMAIL,
        "password": ODK_PASSWORD,
        "interval_minutes": "30",
        "is_active": "on",
    }
    data.update(changes)
    return data


def _change(client: Client, project: Project, source: PullSource, data: dict[str, str]) -> int:
    url = reverse("imports:pull_change", args=[project.slug, source.pk])
    return client.post(url, data).status_code


def test_a_new_kobo_address_without_the_token_is_refused_and_nothing_changes(
    project: Project, client_as: ClientFor, standin: StandIn
) -> None:
    client = client_as("manager")
    source = connected(client, project, kobo_post(standin))
    before = AuditEvent.objects.filter(action="import.pull_change").count()
    refused = _change(client, project, source, kobo_post(standin, token="", server_url=ELSEWHERE))
    assert refused == 400
    source.refresh_from_db()
    assert source.config["server_url"] == standin.base
    assert AuditEvent.objects.filter(action="import.pull_change").count() == before


def test_a_new_odk_address_without_the_password_is_refused(
    project: Project, client_as: ClientFor, standin: StandIn
) -> None:
    client = client_as("manager")
    source = connected(client, project, _odk_post(standin))
    data = _odk_post(standin, email="", password="", server_url=ELSEWHERE)
    assert _change(client, project, source, data) == 400
    source.refresh_from_db()
    assert source.config["server_url"] == standin.base


def test_a_new_address_with_the_token_typed_again_is_saved(
    project: Project, client_as: ClientFor, standin: StandIn
) -> None:
    client = client_as("manager")
    source = connected(client, project, kobo_post(standin))
    assert _change(client, project, source, kobo_post(standin, server_url=ELSEWHERE)) == 302
    source.refresh_from_db()
    assert source.config["server_url"] == ELSEWHERE


def test_the_same_address_keeps_the_saved_token(
    project: Project, client_as: ClientFor, standin: StandIn
) -> None:
    client = client_as("manager")
    source = connected(client, project, kobo_post(standin))
    same = kobo_post(standin, token="", server_url=standin.base + "/", name="Renamed")
    assert _change(client, project, source, same) == 302
    source.refresh_from_db()
    assert source.name == "Renamed"
