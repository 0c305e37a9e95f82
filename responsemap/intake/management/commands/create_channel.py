"""``manage.py create_channel``: add a channel to a project from the command line.

Secrets are sealed with the project key; a shared ``secret`` is generated when none is
given. They are never taken on the command line (shell history, ``ps``, process
accounting): ``--secret-stdin`` reads ``KEY=VALUE`` lines from standard input,
``--secret-file PATH`` from a file. ``channel_info`` then prints what to paste into the
gateway.
"""

from __future__ import annotations

import argparse
import secrets
import sys
from collections.abc import Iterable
from pathlib import Path
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


def secret_lines(lines: Iterable[str], source: str) -> dict[str, str]:
    """``KEY=VALUE`` lines (blank lines and ``#`` comments skipped). An error names the
    line by number, never its content: it holds a secret."""
    pairs = {}
    for number, line in enumerate(lines, start=1):
        text = line.rstrip("\r\n")
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        key, sep, value = text.partition("=")
        if not sep or not key.strip() or not value:
            raise CommandError(f"{source}, line {number}: expected KEY=VALUE")
        pairs[key.strip()] = value
    return pairs


class Command(BaseCommand):
    help = "Create a channel (SMS gateway, bot, webhook) for a project."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("project", help="project slug")
        parser.add_argument("kind", choices=sorted(ADAPTERS))
        parser.add_argument("name")
        parser.add_argument("--address", default="", help="number or short code")
        parser.add_argument("--config", action="append", default=[], metavar="KEY=VALUE")
        given = parser.add_mutually_exclusive_group()
        given.add_argument(
            "--secret-stdin",
            action="store_true",
            help="read the channel's secrets as KEY=VALUE lines from standard input",
        )
        given.add_argument(
            "--secret-file",
            metavar="PATH",
            help="read the channel's secrets as KEY=VALUE lines from this file",
        )
        # Gone: a secret on the command line stays in shell history and shows in ps.
        parser.add_argument("--secret", action="append", default=[], help=argparse.SUPPRESS)
        parser.add_argument("--send-rate", type=float, default=5.0, help="messages per second")

    def handle(self, *args: Any, **options: Any) -> None:
        project = Project.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"no project {options['project']!r}")
        if options["secret"]:
            raise CommandError(
                "secrets are not taken on the command line (they stay in shell history and "
                "show in ps): give them as KEY=VALUE lines with --secret-stdin or --secret-file"
            )
        secret_values = self._given_secrets(options)
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

    def _given_secrets(self, options: dict[str, Any]) -> dict[str, str]:
        if options["secret_stdin"]:
            return secret_lines(sys.stdin, "standard input")
        if options["secret_file"]:
            path = Path(options["secret_file"])
            try:
                text = path.read_text(encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"--secret-file {path}: {exc.strerror}") from None
            except UnicodeDecodeError:  # its message quotes a byte of the file: not shown
                raise CommandError(f"--secret-file {path}: not UTF-8 text") from None
            return secret_lines(text.splitlines(), str(path))
        return {}
