"""``manage.py close_project SLUG --approver NAME``: close a project at once, an
operator's decision (audited, naming who approved it).

Intake stops at the next message: every channel answers with the closure notice and the
gateway gets a success; public forms say the project is closed; nothing more is sent.
The retention period before destruction starts now.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from responsemap.projects.lifecycle.actions import LifecycleRefused, do_close_project
from responsemap.projects.models import Project


class Command(BaseCommand):
    help = "Close a project: intake stops at once; its retention period starts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the project's short name")
        parser.add_argument(
            "--approver", required=True, help="the person who decided to close it (recorded)"
        )
        parser.add_argument("--reason", default="", help="why (recorded, sealed)")

    def handle(self, *args: Any, **options: Any) -> None:
        project = Project.objects.filter(slug=options["slug"]).first()
        if project is None:
            raise CommandError(f"no project {options['slug']!r}")
        if project.status in (Project.Status.CLOSED, Project.Status.DESTROYED):
            raise CommandError(f"project {project.slug!r} is already {project.status}")
        try:
            closed = do_close_project(
                project, actor=None, approver=options["approver"], reason=options["reason"]
            )
        except LifecycleRefused as exc:
            raise CommandError(str(exc)) from None
        if not closed:
            raise CommandError(f"project {project.slug!r} was closed meanwhile")
        self.stdout.write(
            f"closed {project.slug}: intake stopped; kept until destruction, "
            f"{project.retention_days} days after closing unless a legal hold is recorded"
        )
