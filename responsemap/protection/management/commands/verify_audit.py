from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from responsemap.protection.audit import all_chains, verify_chain, verify_pending
from responsemap.protection.expected import (
    purged_projects,
    verify_expected_chains,
    verify_expected_events,
)
from responsemap.protection.listing import verify_listings
from responsemap.protection.witness import verify_witness, witness_file


class Command(BaseCommand):
    help = (
        "Check every audit chain (or the named ones), the events waiting to be chained, "
        "that every project has its chain and every message its receipt, and the chains "
        "against the witness's signed checkpoints; exit 1 naming each problem."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("chains", nargs="*", help="chain names (default: all)")
        parser.add_argument(
            "--pending-max-age",
            type=float,
            default=60.0,
            help="seconds a pending event may wait to be chained (default 60)",
        )
        parser.add_argument(
            "--witness-file",
            type=Path,
            help="checkpoints to compare with (default: the configured witness file; for a "
            "syslog witness, the lines exported from the log server)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        named = options["chains"]
        chains = named or all_chains()
        problems = [f"TAMPERED {p}" for p in (verify_chain(c) for c in chains) if p is not None]
        problems += verify_listings(named or None)
        problems += verify_pending(options["pending_max_age"])
        witnessed = "no witness file to compare with"
        if not named:
            path = options["witness_file"] or witness_file()
            report = verify_witness(path, purged_projects())
            problems += report.problems
            problems += verify_expected_chains(report.chains)
            problems += verify_expected_events()
            if path is not None:
                witnessed = f"{report.lines} witness line(s) compared"
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} problem(s) in {len(chains)} audit chain(s)")
        self.stdout.write(
            f"{len(chains)} audit chain(s) intact, no event waiting too long; {witnessed}"
        )
