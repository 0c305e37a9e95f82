"""``manage.py channel_info``: URLs and paste-ready gateway configuration, secrets only
on request and then audited."""

from __future__ import annotations

import uuid
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from responsemap.intake.channels.actions import do_create_channel
from responsemap.intake.channels.models import Channel
from responsemap.projects.models import Project
from responsemap.protection.models import AuditEvent

SECRETS = {
    "secret": "kannel-shared-secret-0123",
    "username": "responsemap",
    "password": "sendsms-password-9876",
}


@pytest.fixture
def kannel(project: Project, settings: Any) -> Channel:
    settings.RESPONSEMAP_PUBLIC_URL = "https://rm.example.org/"
    return do_create_channel(
        project_id=project.pk,
        kind="kannel",
        name="Hotline 424",
        address="424",
        config={"sendsms_url": "http://10.0.0.5:13013/cgi-bin/sendsms"},
        secrets=SECRETS,
    )


def run(*args: str) -> str:
    out = StringIO()
    call_command("channel_info", *args, stdout=out)
    return out.getvalue()


def reveals(channel: Channel) -> int:
    return AuditEvent.objects.filter(
        action="channel.secrets_reveal", object_id=str(channel.pk)
    ).count()


@pytest.mark.django_db
def test_prints_urls_and_the_kannel_groups_without_secrets(kannel: Channel) -> None:
    text = run(str(kannel.pk))
    assert "Channel:     Hotline 424 (kannel)" in text
    assert "Project:     alpha" in text
    assert f"Inbound URL: https://rm.example.org/channels/{kannel.pk}/receive" in text
    assert f"Status URL:  https://rm.example.org/channels/{kannel.pk}/status" in text
    assert "group = sms-service" in text
    assert (
        f'post-url = "https://kannel:<SECRET>@rm.example.org/channels/{kannel.pk}/receive'
        '?id=%I&ts=%T&coding=%c&charset=%C"' in text
    )
    assert "group = sendsms-user" in text
    assert "http://10.0.0.5:13013/cgi-bin/sendsms" in text
    for value in SECRETS.values():
        if value != "responsemap":
            assert value not in text
    assert reveals(kannel) == 0


@pytest.mark.django_db
def test_show_secret_prints_them_and_audits_it(kannel: Channel) -> None:
    text = run(str(kannel.pk), "--show-secret")
    assert "  secret: kannel-shared-secret-0123" in text
    assert "  password: sendsms-password-9876" in text
    assert reveals(kannel) == 1


@pytest.mark.django_db
def test_other_kinds_get_their_own_help(project: Project) -> None:
    channel = do_create_channel(
        project_id=project.pk, kind="webhook", name="relay", secrets={"secret": "relay-s3cret"}
    )
    text = run(str(channel.pk))
    assert "Sign with: X-Signature" in text
    assert "relay-s3cret" not in text


@pytest.mark.django_db
@pytest.mark.parametrize("channel_id", ["not-a-uuid", str(uuid.UUID(int=7))])
def test_unknown_channel_is_an_error(channel_id: str) -> None:
    with pytest.raises(CommandError):
        run(channel_id)
