from __future__ import annotations

from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "responsemap.imports"
    label = "imports"
    verbose_name = "Imports"

    def ready(self) -> None:
        from responsemap.imports import catalogue  # noqa: F401  (declares the fields)
