"""Redact personal details from messages read one a line on standard input."""

from __future__ import annotations

import sys
from typing import Any, TextIO

import phonenumbers
from django.core.management.base import BaseCommand, CommandError, CommandParser

from responsemap.protection.redaction import RedactionPolicy, redact


class Command(BaseCommand):
    help = (
        "Read one message a line on stdin; write each one redacted ([NAME], [PHONE], "
        "[EMAIL], [ID]) on stdout."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--country", required=True, help="ISO 3166-1 alpha-2 code, e.g. KE")
        parser.add_argument(
            "--language",
            action="append",
            default=[],
            dest="languages",
            help="language code of the messages (repeatable)",
        )
        parser.add_argument(
            "--id-pattern",
            action="append",
            default=[],
            dest="id_patterns",
            metavar="REGEX",
            help="regex of the project's national ID numbers (repeatable)",
        )
        parser.add_argument(
            "--cue-word",
            action="append",
            default=[],
            dest="cue_words",
            metavar="PHRASE",
            help="a word or phrase after which a name follows, beyond the built-in ones "
            "(repeatable)",
        )
        parser.add_argument(
            "--keep-word",
            action="append",
            default=[],
            dest="keep_words",
            metavar="WORD",
            help="a word never removed as a name: a place, an organisation (repeatable)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        country = str(options["country"]).upper()
        if country not in phonenumbers.SUPPORTED_REGIONS:
            raise CommandError(f"unknown country code {options['country']!r}")
        try:
            policy = RedactionPolicy(
                country=country,
                languages=tuple(options["languages"]),
                id_patterns=tuple(options["id_patterns"]),
                cue_words=tuple(options["cue_words"]),
                keep_words=tuple(options["keep_words"]),
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        stream: TextIO = options.get("stdin") or sys.stdin
        for line in stream:
            self.stdout.write(redact(line.rstrip("\r\n"), policy))
