from __future__ import annotations

import io
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from responsemap.intake.channels.models import Channel
from responsemap.projects.models import Project
from responsemap.protection.models import AuditEvent
from responsemap.protection.present import open_for_system

pytestmark = pytest.mark.django_db


def sealed_secrets(channel: Channel) -> dict[str, str]:
    return dict(json.loads(open_for_system(channel, "secrets", purpose="test") or "{}"))


def test_secrets_are_read_from_standard_input(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("# the relay's\nsecret=abc=def\n\ntoken=xyz\n"))
    out = StringIO()
    call_command(
        "create_channel", project.slug, "webhook", "Relay", "--config", "send_url=https://r.example.org",
        "--secret-stdin", stdout=out,
    )  # fmt: skip
    channel = Channel.objects.get(project=project)
    assert channel.config == {"send_url": "https://r.example.org"}
    assert sealed_secrets(channel) == {"secret": "abc=def", "token": "xyz"}
    assert "abc" not in out.getvalue()


def test_secrets_are_read_from_a_file(project: Project, tmp_path: Path) -> None:
    given = tmp_path / "secrets"
    given.write_text("username=responsemap\npassword=pa ss\n")
    call_command(
        "create_channel", project.slug, "kannel", "Gateway", "--secret-file", str(given),
        stdout=StringIO(),
    )  # fmt: skip
    secrets = sealed_secrets(Channel.objects.get(project=project))
    assert (secrets["username"], secrets["password"]) == ("responsemap", "pa ss")
    assert len(secrets["secret"]) > 30  # the shared secret, generated when not given


def test_a_secret_on_the_command_line_is_refused(project: Project) -> None:
    with pytest.raises(CommandError, match="not taken on the command line") as refused:
        call_command(
            "create_channel", project.slug, "webhook", "Relay", "--secret", "secret=abc",
            stdout=StringIO(),
        )  # fmt: skip
    assert "abc" not in str(refused.value)
    assert not Channel.objects.exists()


def test_a_malformed_secret_line_is_named_by_number_never_shown(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("secret=ok\nhunter2\n"))
    with pytest.raises(CommandError, match="standard input, line 2") as refused:
        call_command("create_channel", project.slug, "webhook", "Relay", "--secret-stdin")
    assert "hunter2" not in str(refused.value)
    with pytest.raises(CommandError, match="secret-file"):
        call_command(
            "create_channel", project.slug, "webhook", "Relay", "--secret-file", "/nonexistent"
        )
    assert not Channel.objects.exists()


def test_generates_a_secret_and_refuses_bad_input(project: Project) -> None:
    call_command("create_channel", project.slug, "kannel", "Gateway", stdout=StringIO())
    channel = Channel.objects.get(project=project)
    assert len(sealed_secrets(channel)["secret"]) > 30
    with pytest.raises(CommandError):
        call_command("create_channel", "nope", "kannel", "x", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("create_channel", project.slug, "kannel", "x", "--config", "novalue")


def test_showing_the_secrets_is_audited_and_counted(project: Project) -> None:
    call_command("create_channel", project.slug, "kannel", "Gateway", stdout=StringIO())
    channel = Channel.objects.get(project=project)
    out = StringIO()
    call_command("channel_info", str(channel.pk), "--show-secret", stdout=out)
    assert sealed_secrets(channel)["secret"] in out.getvalue()  # asked for: stdout only
    assert AuditEvent.objects.filter(action="channel.secrets_reveal").count() == 1
    opened = AuditEvent.objects.get(action="system.open", purpose="show_channel_secrets")
    assert opened.project_id == project.pk
