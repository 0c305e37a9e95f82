from __future__ import annotations

from django.apps import AppConfig


class ProtectionConfig(AppConfig):
    name = "responsemap.protection"
    label = "protection"
    verbose_name = "Protection"

    def ready(self) -> None:
        from responsemap.protection import audit_catalogue, system_opens  # noqa: F401

        system_opens.connect()
