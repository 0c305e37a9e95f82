from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from responsemap.intake.channels.models import Channel
from responsemap.projects.models import Project
from responsemap.protection.present import open_for_system

pytestmark = pytest.mark.django_db


def test_creates_a_channel_with_sealed_secrets(project: Project) -> None:
    out = StringIO()
    call_command(
        "create_channel", project.slug, "webhook", "Relay", "--config", "send_url=https://r.example.org",
        "--secret", "secret=abc", stdout=out,
    )  # fmt: skip
    channel = Channel.objects.get(project=project)
    assert channel.config == {"send_url": "https://r.example.org"}
    assert json.loads(open_for_system(channel, "secrets", purpose="test") or "{}") == {
        "secret": "abc"
    }
    assert "abc" not in out.getvalue()


def test_generates_a_secret_and_refuses_bad_input(project: Project) -> None:
    call_command("create_channel", project.slug, "kannel", "Gateway", stdout=StringIO())
    channel = Channel.objects.get(project=project)
    assert (
        len(json.loads(open_for_system(channel, "secrets", purpose="test") or "{}")["secret"]) > 30
    )
    with pytest.raises(CommandError):
        call_command("create_channel", "nope", "kannel", "x", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("create_channel", project.slug, "kannel", "x", "--config", "novalue")
