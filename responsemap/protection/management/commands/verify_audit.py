from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from responsemap.protection.audit import all_chains, verify_chain


class Command(BaseCommand):
    help = "Check every audit chain (or the named ones); exit 1 naming the first bad event."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("chains", nargs="*", help="chain names (default: all)")

    def handle(self, *args: Any, **options: Any) -> None:
        chains = options["chains"] or all_chains()
        problems = [p for p in (verify_chain(c) for c in chains) if p is not None]
        for problem in problems:
            self.stderr.write(f"TAMPERED {problem}")
        if problems:
            raise CommandError(f"{len(problems)} of {len(chains)} audit chain(s) fail")
        self.stdout.write(f"{len(chains)} audit chain(s) intact")
