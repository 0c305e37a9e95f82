from __future__ import annotations

from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "responsemap.intake"
    label = "intake"
    verbose_name = "Intake"

    def ready(self) -> None:
        from responsemap.intake import catalogue  # noqa: F401  (declares the fields)
