"""Seed an invented demo: two projects, one account per persona, ~2,000 feedback records.

Deterministic for a seed (except the random references and the sealing nonces), and
idempotent: if the demo project exists, it prints the accounts and changes nothing.
``--accounts-only`` just prints them (``make run`` has ``manage.py serve`` do so once it
is listening, with ``--url`` the address it serves, so they are the last thing shown).
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from responsemap.accounts.actions import do_add_member
from responsemap.accounts.models import User
from responsemap.accounts.permissions import DEFAULT_ROLES
from responsemap.demo.seed import DEMO_PASSWORD, geography, plan_feedback, seed_areas, seed_feedback
from responsemap.projects.actions import (
    do_add_organisation_admin,
    do_create_organisation,
    do_create_project,
)
from responsemap.projects.checklists.actions import complete_checklists
from responsemap.projects.models import Organisation, Project

DEMO_SLUG = "demo"
OTHER_SLUG = "other"
ORGANISATION = ("Demo Relief Alliance (invented)", "demo-relief-alliance")
PERSONAS = ["operator", "officer", "protection", "manager", "partner", "donor"]  # = role codes
OUTSIDER, ADMIN = "outsider", "admin"
OTHER_RECORDS = 8


class Command(BaseCommand):
    help = "Create an invented demo project with personas and feedback (development only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
        parser.add_argument(
            "--records", type=int, default=2000, help="feedback records in the demo project"
        )
        parser.add_argument(
            "--accounts-only", action="store_true", help="print the accounts, seed nothing"
        )
        parser.add_argument(
            "--no-accounts", action="store_true", help="seed without printing the accounts"
        )
        parser.add_argument("--url", default="", help="the address to sign in at, if known")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("seed_demo makes accounts with a published password: not here")
        if options["accounts_only"]:
            self._print_accounts(options["url"])
            return
        if Project.objects.filter(slug=DEMO_SLUG).exists():
            self.stdout.write("The demo project exists already; nothing changed.")
            if not options["no_accounts"]:
                self._print_accounts(options["url"])
            return
        usernames = [*PERSONAS, OUTSIDER, ADMIN]
        taken = sorted(
            User.objects.filter(username__in=usernames).values_list("username", flat=True)
        )
        clashes = [f"user {name}" for name in taken]
        if Project.objects.filter(slug=OTHER_SLUG).exists():
            clashes.append(f"project {OTHER_SLUG}")
        if Organisation.objects.filter(slug=ORGANISATION[1]).exists():
            clashes.append(f"organisation {ORGANISATION[1]}")
        if clashes:
            raise CommandError(f"not seeding over existing data: {', '.join(clashes)}")

        started = time.perf_counter()
        with transaction.atomic():
            count = self._seed(options["seed"], max(0, options["records"]))
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(f"Seeded {count} invented feedback records in {elapsed:.1f} s.")
        )
        if not options["no_accounts"]:
            self._print_accounts(options["url"])

    def _seed(self, seed: int, records: int) -> int:
        organisation = do_create_organisation(name=ORGANISATION[0], slug=ORGANISATION[1])
        users: dict[str, User] = {
            code: User.objects.create_user(username=code, password=DEMO_PASSWORD)
            for code in PERSONAS
        }
        demo = do_create_project(
            organisation=organisation,
            name="Demo flood response (invented data)",
            slug=DEMO_SLUG,
            country="HT",
            languages=["fr", "en"],
            purpose=(
                "Invented demonstration data. Collect and answer questions, requests, "
                "complaints and concerns from people affected by an imaginary flood, to "
                "adjust the response and refer protection cases."
            ),
            retention_days=730,
            status=Project.Status.ACTIVE,
            # The manager answers for the data: the checklists are approved below.
            protection={
                "sensitivity": Project.Sensitivity.HIGH,
                "data_controller": users["manager"],
                "controller_organisation": ORGANISATION[0],
                "processors": ["Invented telecom operator (SMS)"],
            },
        )
        other = do_create_project(
            organisation=organisation,
            name="Other project (invented)",
            slug=OTHER_SLUG,
            country="HT",
            languages=["en"],
            purpose="Invented demonstration data: a second project whose members see only it.",
            retention_days=730,
            status=Project.Status.ACTIVE,
        )
        for code in PERSONAS:
            do_add_member(project_id=demo.pk, user=users[code], role_code=code)
        complete_checklists(demo, users["manager"])
        outsider = User.objects.create_user(username=OUTSIDER, password=DEMO_PASSWORD)
        do_add_member(project_id=other.pk, user=outsider, role_code="officer")
        admin = User.objects.create_user(
            username=ADMIN, password=DEMO_PASSWORD, is_staff=True, is_superuser=True
        )
        do_add_organisation_admin(organisation=organisation, user=admin)

        now = timezone.now()
        areas = seed_areas(demo)
        plan = plan_feedback(seed, records, now, geography())
        count = seed_feedback(demo, plan, areas, users["officer"], users["protection"])
        seed_feedback(other, plan_feedback(seed + 100, OTHER_RECORDS, now), {}, outsider)
        return count

    def _print_accounts(self, url: str) -> None:
        rows = [
            (code, f"{code} ({DEFAULT_ROLES[code]['label']}) in '{DEMO_SLUG}'") for code in PERSONAS
        ]
        rows += [
            (OUTSIDER, f"officer in '{OTHER_SLUG}' only"),
            (ADMIN, "superuser, no project"),
        ]
        width = max(len(role) for _, role in rows)
        self.stdout.write("")
        self.stdout.write(f"{'username':<12}{'role':<{width + 2}}password")
        self.stdout.write("-" * (12 + width + 2 + len(DEMO_PASSWORD)))
        for username, role in rows:
            self.stdout.write(f"{username:<12}{role:<{width + 2}}{DEMO_PASSWORD}")
        self.stdout.write("")
        if url:
            self.stdout.write(f"Open {url} and sign in with one of these accounts.")
        else:
            self.stdout.write(
                "Sign in with one of these accounts at the address `manage.py serve` prints."
            )
