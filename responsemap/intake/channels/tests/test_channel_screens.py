"""A project's channels on the screen, for every persona: its managers add one (its shared
secret shown once, then never), replace that secret (the old one stops working at the
next message) and send a test message through the gateway; anyone else gets a 404 and
nothing changes."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.test import Client
from django.urls import reverse

from responsemap.intake.channels.kannel.tests.case import SENDSMS_URL, mo_request
from responsemap.intake.channels.models import Channel
from responsemap.intake.channels.queries import channel_secrets, forget_channels
from responsemap.projects.models import Project
from responsemap.protection.models import AuditEvent
from responsemap.protection.system_opens import SystemPurpose

pytestmark = pytest.mark.django_db

EVERYONE = [
    "operator",
    "officer",
    "protection",
    "manager",
    "partner",
    "donor",
    "outsider",
    "sysadmin",
]
ADD = {
    "kind": "kannel",
    "name": "Hotline 424",
    "address": "424",
    "config": f"sendsms_url={SENDSMS_URL}",
    "provider_secrets": "username=responsemap\npassword=sendsms-password",
}


def shown_secret(page: str) -> str:
    found = re.search(r'id="shared-secret">([^<]+)<', page)
    assert found, "the secret is on the page"
    return found.group(1)


def add(client: Client, project: Project) -> tuple[Channel, str]:
    response = client.post(reverse("intake_admin:add_channel", args=[project.slug]), ADD)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    return Channel.objects.get(project=project, name="Hotline 424"), shown_secret(
        response.content.decode()
    )


@pytest.mark.parametrize("persona", EVERYONE)
def test_who_adds_a_channel(
    project: Project, client_as: Callable[[str], Client], persona: str
) -> None:
    client = client_as(persona)
    events = AuditEvent.objects.count()
    listing = client.get(reverse("intake_admin:channels", args=[project.slug]))
    response = client.post(reverse("intake_admin:add_channel", args=[project.slug]), ADD)
    if persona == "manager":
        assert listing.status_code == 200
        assert response.status_code == 200
        channel = Channel.objects.get(project=project)
        secret = shown_secret(response.content.decode())
        stored = channel_secrets(channel, SystemPurpose.TEST)
        assert stored == {
            "username": "responsemap",
            "password": "sendsms-password",
            "secret": secret,
        }
        assert channel.config == {"sendsms_url": SENDSMS_URL}
        page = client.get(reverse("intake_admin:channels", args=[project.slug])).content.decode()
        assert "Hotline 424" in page
        assert secret not in page  # shown once
        assert "sendsms-password" not in page
    else:
        assert (listing.status_code, response.status_code) == (404, 404)
        assert not Channel.objects.exists()
        assert AuditEvent.objects.count() == events


def test_a_bad_setting_is_named_and_nothing_is_added(
    project: Project, client_as: Callable[[str], Client]
) -> None:
    bad = ADD | {"config": "sendsms_url"}
    response = client_as("manager").post(
        reverse("intake_admin:add_channel", args=[project.slug]), bad
    )
    assert response.status_code == 400
    assert "KEY=VALUE" in response.content.decode()
    assert not Channel.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_replaced_secret_works_at_once_and_the_old_one_not(
    project: Project, client_as: Callable[[str], Client]
) -> None:
    forget_channels()
    manager = client_as("manager")
    channel, old = add(manager, project)
    receive = reverse("intake:receive", args=[channel.pk])
    assert (
        mo_request("m1", "+50937001122", b"Bonjou", secret=old).send(Client(), receive).status_code
        == 200
    )
    response = manager.post(reverse("intake_admin:rotate_secret", args=[project.slug, channel.pk]))
    new = shown_secret(response.content.decode())
    assert new != old
    assert channel_secrets(Channel.objects.get(pk=channel.pk), SystemPurpose.TEST)["password"] == (
        "sendsms-password"  # the provider's secrets are kept
    )
    assert mo_request("m2", "+50937001122", b"x", secret=old).send(
        Client(), receive
    ).status_code in (401, 403)
    assert (
        mo_request("m3", "+50937001122", b"x", secret=new).send(Client(), receive).status_code
        == 200
    )
    assert AuditEvent.objects.filter(project_id=project.pk, action="channel.rotate").exists()


@pytest.mark.parametrize("persona", ["officer", "outsider", "sysadmin"])
def test_others_can_not_replace_or_test(
    project: Project, client_as: Callable[[str], Client], persona: str
) -> None:
    channel, _ = add(client_as("manager"), project)
    events, before = AuditEvent.objects.count(), channel_secrets(channel, SystemPurpose.TEST)
    client = client_as(persona)
    assert (
        client.post(
            reverse("intake_admin:rotate_secret", args=[project.slug, channel.pk])
        ).status_code
        == 404
    )
    test = reverse("intake_admin:test_channel", args=[project.slug, channel.pk])
    assert client.post(test, {"to": "+50937001122"}).status_code == 404
    assert channel_secrets(Channel.objects.get(pk=channel.pk), SystemPurpose.TEST) == before
    assert AuditEvent.objects.count() == events


@responses.activate
def test_a_test_message_goes_through_the_gateway(
    project: Project, client_as: Callable[[str], Client]
) -> None:
    responses.get(SENDSMS_URL, body="0: Accepted for delivery", status=202)
    manager = client_as("manager")
    channel, _ = add(manager, project)
    test = reverse("intake_admin:test_channel", args=[project.slug, channel.pk])
    page = manager.post(test, {"to": "+50937001122"}, follow=True).content.decode()
    assert "Test message handed to the gateway" in page
    sent = parse_qs(urlsplit(str(responses.calls[0].request.url)).query)
    assert sent["to"] == ["+50937001122"]
    assert AuditEvent.objects.filter(project_id=project.pk, action="channel.test").exists()
    assert "+50937001122" not in json.dumps(
        list(AuditEvent.objects.values_list("reason", flat=True))
    )
    missing = manager.post(test, {"to": ""}, follow=True).content.decode()
    assert "Give the number" in missing
