"""Retrain a project's suggestion model from its staff's coding (the worker does it too,
every ``RETRAIN_EVERY`` decisions), and print how many examples it learnt from.

    python manage.py train_suggestions --project SLUG [--minimum 20]
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from responsemap.projects.models import Project
from responsemap.triage.suggestions.actions import do_train_project_model
from responsemap.triage.suggestions.actions.train import MIN_PROJECT_EXAMPLES


class Command(BaseCommand):
    help = "Retrain a project's suggestion model from its coded records."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", required=True, help="the project's slug")
        parser.add_argument(
            "--minimum",
            type=int,
            default=MIN_PROJECT_EXAMPLES,
            help="coded records needed (fewer: the shipped model stays)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        project = (
            Project.objects.exclude(status=Project.Status.DESTROYED)
            .filter(slug=options["project"])
            .first()
        )
        if project is None:
            raise CommandError("No such project.")
        trained = do_train_project_model(project.pk, minimum=max(1, options["minimum"]))
        if trained is None:
            self.stdout.write(
                f"{project.slug}: fewer than {options['minimum']} coded records; "
                "the shipped model stays"
            )
            return
        self.stdout.write(
            f"{project.slug}: model version {trained.version}, "
            f"{trained.project_examples} of the project's records "
            f"and {trained.examples - trained.project_examples} shipped examples"
        )
