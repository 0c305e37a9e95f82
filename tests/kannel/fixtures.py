"""Fixtures shared by the tests that run the real Kannel (tests/kannel, tests/faults):
the processes a test owns, the app as in production, and a Kannel channel with the
configuration an administrator renders. A test module imports the fixtures it uses.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection

from responsemap.intake.channels.actions import do_create_channel
from responsemap.intake.channels.models import Channel
from responsemap.projects.models import Project
from tests.kannel import corpus
from tests.kannel.gateway import (
    BEARERBOX,
    FAKESMSC,
    SMSBOX,
    App,
    KannelPorts,
    Processes,
    database_url,
    render_config,
)


@pytest.fixture
def processes(tmp_path: Path, transactional_db: Any) -> Iterator[Processes]:
    for program in (BEARERBOX, SMSBOX, FAKESMSC):
        if not program.exists():
            if os.environ.get("RESPONSEMAP_REQUIRE_KANNEL") == "1":
                pytest.fail(f"{program} is missing (apt-get install kannel kannel-extras)")
            pytest.skip(f"{program} is not installed (kannel, kannel-extras)")
    (tmp_path / "logs").mkdir()
    running = Processes(tmp_path / "logs")
    yield running
    running.stop_all()  # before pytest-django empties the database


def app_env(app_url: str, **extra: str) -> dict[str, str]:
    """The environment of the app's processes: this test's database and keys."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "responsemap.settings",
        "RESPONSEMAP_ENV": "test",
        "DATABASE_URL": database_url(connection.settings_dict),
        "RESPONSEMAP_KEY_DIR": str(django_settings.RESPONSEMAP_KEY_DIR),
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "PYTHONUNBUFFERED": "1",
        "RESPONSEMAP_PUBLIC_URL": app_url,
        **extra,
    }


@pytest.fixture
def app(processes: Processes, settings: Any) -> App:
    app = App(processes, {})
    app.env.update(app_env(app.url))
    # Delivery-report URLs are built in this process (the reply is sent from here).
    settings.RESPONSEMAP_PUBLIC_URL = app.url
    return app


def make_kannel_channel(
    project: Project, app: App, *, send_rate: float = 50, retries: int = 60
) -> tuple[Channel, KannelPorts, Path]:
    """A Kannel channel, and its kannel.conf rendered as an administrator does it: the
    sms-service URL from ``channel_info``, the secret put in."""
    ports = KannelPorts()
    secret = secrets.token_urlsafe(24)
    credentials = {"username": "responsemap", "password": secrets.token_urlsafe(16)}
    channel = do_create_channel(
        project_id=project.pk,
        kind="kannel",
        name="Kannel hotline",
        address=corpus.RECEIVER,
        config={"sendsms_url": ports.sendsms_url, "allowed_ips": ["127.0.0.1"]},
        secrets={"secret": secret, **credentials},
        send_rate=send_rate,
    )
    help_text = StringIO()
    call_command("channel_info", str(channel.pk), stdout=help_text)
    line = next(x for x in help_text.getvalue().splitlines() if x.startswith("post-url = "))
    directory = app.processes.log_dir.parent / "kannel"
    directory.mkdir()
    render_config(
        directory,
        ports,
        post_url=line.split('"')[1].replace("<SECRET>", secret),
        retries=retries,  # one a second: a minute of outage is absorbed
        retry_delay=1,
        **credentials,
    )
    return channel, ports, directory


@pytest.fixture
def channel(project: Project, app: App) -> tuple[Channel, KannelPorts, Path]:
    return make_kannel_channel(project, app)
