from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from responsemap.protection.audit import all_chains, verify_chain, verify_pending
from responsemap.protection.listing import verify_listings


class Command(BaseCommand):
    help = (
        "Check every audit chain (or the named ones) and the events waiting to be chained; "
        "exit 1 naming the first bad event of each chain."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("chains", nargs="*", help="chain names (default: all)")
        parser.add_argument(
            "--pending-max-age",
            type=float,
            default=60.0,
            help="seconds a pending event may wait to be chained (default 60)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        chains = options["chains"] or all_chains()
        problems = [f"TAMPERED {p}" for p in (verify_chain(c) for c in chains) if p is not None]
        problems += verify_listings(options["chains"] or None)
        problems += verify_pending(options["pending_max_age"])
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} problem(s) in {len(chains)} audit chain(s)")
        self.stdout.write(f"{len(chains)} audit chain(s) intact, no event waiting too long")
