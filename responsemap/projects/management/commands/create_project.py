"""``manage.py create_project``: create a project (in design) with its own data key.

It takes feedback only once its data-protection checklists are complete and approved by
its data controller and it is made active (on its project page, "Lifecycle").
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from responsemap.accounts.actions import do_add_member
from responsemap.projects.actions import InvalidSetting, do_create_project
from responsemap.projects.creation.forms import ProjectCreationForm
from responsemap.projects.models import Organisation


class Command(BaseCommand):
    help = "Create a project (in design): its key, its roles, its data controller."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", required=True, help="organisation slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--slug", required=True)
        parser.add_argument("--country", required=True, help="ISO 3166-1 alpha-2, e.g. HT")
        parser.add_argument("--languages", required=True, help="codes, default first: fr,en")
        parser.add_argument("--purpose", required=True)
        parser.add_argument("--retention-days", type=int, default=730)
        parser.add_argument("--sensitivity", choices=["low", "medium", "high"], default="medium")
        parser.add_argument("--controller", required=True, help="the data controller's user name")
        parser.add_argument("--controller-organisation", default="")
        parser.add_argument("--processor", action="append", default=[], help="repeatable")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = Organisation.objects.filter(slug=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"no organisation {options['organisation']!r}")
        controller = get_user_model().objects.filter(username=options["controller"]).first()
        if controller is None:
            raise CommandError(f"no user {options['controller']!r}")
        form = ProjectCreationForm(
            {
                "name": options["name"],
                "slug": options["slug"],
                "country": options["country"],
                "languages": options["languages"],
                "purpose": options["purpose"],
                "retention_days": options["retention_days"],
                "sensitivity": options["sensitivity"],
                "controller": controller.get_username(),
                "controller_organisation": options["controller_organisation"],
                "processors": "\n".join(options["processor"]),
                "review_interval_days": 180,
            }
        )
        if not form.is_valid():
            problems = "; ".join(
                f"{name}: {' '.join(str(e) for e in errors)}"
                for name, errors in form.errors.items()
            )
            raise CommandError(problems)
        try:
            project = do_create_project(organisation=organisation, **form.creation_arguments())
        except InvalidSetting as exc:
            raise CommandError(str(exc)) from None
        do_add_member(project_id=project.pk, user=controller, role_code="manager")
        self.stdout.write(f"created {project.slug} (in design); its data controller: {controller}")
