"""``manage.py rebuild_rollups [--project SLUG]``: every rollup cell of a project (or of
every project) recomputed from its records, with a progress bar. Safe while the
application runs: each step replaces whole days in a short transaction."""

from __future__ import annotations

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from responsemap.analytics.actions import do_rebuild_rollups
from responsemap.projects.models import Project
from responsemap.triage.models import Feedback

BAR_WIDTH = 30


class Command(BaseCommand):
    help = "Rebuild the rollups the dashboards read, from the records."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--project", metavar="SLUG", help="only this project")

    def handle(self, *args: Any, **options: Any) -> None:
        projects = Project.objects.exclude(status=Project.Status.DESTROYED).order_by("slug")
        if options["project"]:
            projects = projects.filter(slug=options["project"])
            if not projects.exists():
                raise CommandError(f"No project with the slug {options['project']!r}.")
        for project in projects:
            records = Feedback.objects.filter(project_id=project.pk).count()
            started = time.monotonic()
            self.stdout.write(f"{project.slug}: {records} records")

            def progress(done: int, total: int, slug: str = project.slug) -> None:
                share = done / total if total else 1.0
                filled = int(share * BAR_WIDTH)
                bar = "#" * filled + "-" * (BAR_WIDTH - filled)
                self.stdout.write(f"\r  [{bar}] {share:4.0%} ({done}/{total} days)", ending="")
                self.stdout.flush()

            cells = do_rebuild_rollups(project.pk, progress=progress)
            seconds = time.monotonic() - started
            self.stdout.write(f"\r  [{'#' * BAR_WIDTH}] 100% {cells} cells in {seconds:.1f} s")
