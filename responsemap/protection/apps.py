from __future__ import annotations

from django.apps import AppConfig


class ProtectionConfig(AppConfig):
    name = "responsemap.protection"
    label = "protection"
    verbose_name = "Protection"

    def ready(self) -> None:
        from responsemap.lib.tasks import register_upkeep
        from responsemap.protection import audit_catalogue, system_opens  # noqa: F401
        from responsemap.protection.witness import maybe_checkpoint

        system_opens.connect()
        # Every worker's upkeep: the audit heads that moved, to the witness, at most every
        # RESPONSEMAP_AUDIT_CHECKPOINT_SECONDS, messages or not (ADR 0007).
        register_upkeep(maybe_checkpoint)
