"""Remake the word-search tokens of every redacted copy (after the stemming changed:
``protection.tokens``), project by project, in batches.

    python manage.py rebuild_search_tokens [--project SLUG] [--batch 500]
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from responsemap.projects.models import Project
from responsemap.triage.inbox.actions import do_rebuild_search_tokens


class Command(BaseCommand):
    help = "Remake the word-search tokens of the redacted copies (all projects, or one)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", help="a project's slug (default: every project)")
        parser.add_argument("--batch", type=int, default=500, help="records per transaction")

    def handle(self, *args: Any, **options: Any) -> None:
        projects = Project.objects.exclude(status=Project.Status.DESTROYED).order_by("slug")
        if options["project"]:
            projects = projects.filter(slug=options["project"])
            if not projects.exists():
                raise CommandError("No such project.")
        for project in projects:
            n = do_rebuild_search_tokens(project.pk, batch=max(1, options["batch"]))
            self.stdout.write(f"{project.slug}: {n} records indexed")
