"""Suggested codes for messages read from standard input, one a line, printed one JSON
object a line, in the project's codes (its active type and sector codes):

    printf 'my child has a high fever\\n' | python manage.py suggest_codes --project SLUG
    {"type": "request", "sector": "health", "urgent": true, "confidence": 0.71, ...}

``confidence`` is the weakest of the type's and the sector's; the other fields say each
part's confidence and the protection flag. Nothing is stored and nothing is logged.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from responsemap.projects.models import Project
from responsemap.triage.suggestions.birth import allowed_codes
from responsemap.triage.suggestions.loading import suggesters_for

BATCH = 500


class Command(BaseCommand):
    help = "Suggest type, sector and urgency for messages on standard input (one a line)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", required=True, help="the project's slug")

    def handle(self, *args: Any, **options: Any) -> None:
        project = (
            Project.objects.exclude(status=Project.Status.DESTROYED)
            .filter(slug=options["project"])
            .first()
        )
        if project is None:
            raise CommandError("No such project.")
        project_id = str(project.pk)
        _name, suggester = suggesters_for([project_id])[project_id]
        allowed = allowed_codes(project_id)
        lines: list[str] = []
        for line in sys.stdin:
            lines.append(line.rstrip("\r\n"))
            if len(lines) >= BATCH:
                self._write(suggester.suggest(lines, allowed=allowed))
                lines = []
        if lines:
            self._write(suggester.suggest(lines, allowed=allowed))

    def _write(self, suggestions: list[Any]) -> None:
        for one in suggestions:
            self.stdout.write(
                json.dumps(
                    {
                        "type": one.type_code,
                        "sector": one.sector,
                        "urgent": one.urgent,
                        "alert": one.alert,
                        "confidence": round(one.confidence, 3),
                        "protection": one.protection,
                        "type_confidence": one.type_confidence,
                        "sector_confidence": one.sector_confidence,
                        "urgent_confidence": one.urgent_confidence,
                    },
                    ensure_ascii=False,
                )
            )
