"""``manage.py destroy_project SLUG [--confirm SLUG] [--approver NAME]``: destroy a closed
project at once, whatever is left of its retention period: an explicit operator's
decision, audited (in the system chain too) with the name of who approved it.

Refused under a standing legal hold, and for a project that is not closed. Asks for the
slug again on a terminal; without one, ``--confirm SLUG`` is required. A run stopped
half-way (the machine went down) goes on when the command is run again.
"""

from __future__ import annotations

import getpass
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from responsemap.projects.destruction.actions import (
    Approval,
    DestructionRefused,
    do_destroy_project,
)
from responsemap.projects.destruction.models import DestructionRun
from responsemap.projects.destruction.purge import continue_destruction
from responsemap.projects.models import Project


class Command(BaseCommand):
    help = "Destroy a closed project now: its key, records, audit trail, files and caches."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the project's short name")
        parser.add_argument(
            "--confirm", default="", help="the project's short name again (no question asked)"
        )
        parser.add_argument(
            "--approver",
            default="",
            help="the person who decided it (recorded; default: your user name)",
        )
        parser.add_argument("--reason", default="", help="why (recorded)")

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["slug"]
        project = Project.objects.filter(slug=slug).first()
        if project is None:
            raise CommandError(f"no project {slug!r}")
        run = DestructionRun.objects.filter(project_id=project.pk).first()
        if run is not None and run.step != DestructionRun.Step.DONE:
            self.stdout.write(f"going on with the destruction of {slug} (stopped at {run.step})")
            self._report(continue_destruction(project.pk))
            return
        if project.status != Project.Status.CLOSED:
            raise CommandError(
                f"project {slug!r} is {project.get_status_display()}: only a closed project "
                "can be destroyed (manage.py close_project first)"
            )
        self._confirm(slug, options["confirm"])
        approver = options["approver"].strip() or f"{getpass.getuser()} (command line)"
        try:
            run = do_destroy_project(
                project,
                approval=Approval.OPERATOR,
                approved_by=approver,
                reason=options["reason"],
            )
        except DestructionRefused as exc:
            raise CommandError(str(exc)) from None
        self._report(run)

    def _confirm(self, slug: str, confirm: str) -> None:
        if confirm:
            if confirm != slug:
                raise CommandError("--confirm does not match the project's short name")
            return
        if not sys.stdin.isatty():
            raise CommandError(f"not on a terminal: confirm with --confirm {slug}")
        self.stdout.write(
            f"This destroys project {slug!r} for good: its key first (every backup becomes "
            "unreadable), then its records, audit trail and files."
        )
        if input("Type the project's short name to go on: ").strip() != slug:
            raise CommandError("not confirmed: nothing was destroyed")

    def _report(self, run: DestructionRun) -> None:
        rows = sum(run.counts.values())
        self.stdout.write(
            f"destroyed: key {run.key_id} (fingerprint {run.key_fingerprint or 'unknown'}), "
            f"{rows} rows in {len(run.counts)} tables, {run.files} files, audit trail of "
            f"{run.chain_events} events (final hash {run.chain_final_hash}); "
            "the certificate is in the system audit chain"
        )
