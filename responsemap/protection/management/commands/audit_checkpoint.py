from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from responsemap.protection.witness import configured_witness, write_checkpoint


class Command(BaseCommand):
    help = (
        "Write a signed checkpoint of every audit chain's head to the witness "
        "(RESPONSEMAP_AUDIT_WITNESS); the worker does it too, for the heads that moved."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        witness = configured_witness()
        if witness is None:
            self.stdout.write("RESPONSEMAP_AUDIT_WITNESS is off: nothing written")
            return
        count = write_checkpoint(every_head=True)
        self.stdout.write(f"{count} chain head(s) written to the {witness.kind} witness")
