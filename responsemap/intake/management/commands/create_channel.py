"""``manage.py create_channel``: add a channel to a project from the command line.

Secrets are sealed with the project key; a shared ``secret`` is generated when none is
given. ``channel_info`` then prints what to paste into the gateway.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from responsemap.intake.channels.actions import do_create_channel
from responsemap.intake.channels.registry import ADAPTERS
from responsemap.projects.models import Project


def _pairs(values: list[str], what: str) -> dict[str, str]:
    pairs = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise CommandError(f"--{what} takes KEY=VALUE, got {item!r}")
        pairs[key] = value
    return pairs


class Command(BaseCommand):
    help = "Create a channel (SMS gateway, bot, webhook) for a project."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("project", help="project slug")
        parser.add_argument("kind", choices=sorted(ADAPTERS))
        parser.add_argument("name")
        parser.add_argument("--address", default="", help="number or short code")
        parser.add_argument("--config", action="append", default=[], metavar="KEY=VALUE")
        parser.add_argument("--secret", action="append", default=[], metavar="KEY=VALUE")
        parser.add_argument("--send-rate", type=float, default=5.0, help="messages per second")

    def handle(self, *args: Any, **options: Any) -> None:
        project = Project.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"no project {options['project']!r}")
        secret_values = _pairs(options["secret"], "secret")
        secret_values.setdefault("secret", secrets.token_urlsafe(32))
        channel = do_create_channel(
            project_id=project.pk,
            kind=options["kind"],
            name=options["name"],
            address=options["address"],
            config=dict(_pairs(options["config"], "config")),
            secrets=secret_values,
            send_rate=options["send_rate"],
        )
        self.stdout.write(f"created channel {channel.pk}")
        self.stdout.write(f"next: manage.py channel_info {channel.pk} --show-secret")
