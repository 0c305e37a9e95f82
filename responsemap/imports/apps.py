from __future__ import annotations

from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "responsemap.imports"
    label = "imports"
    verbose_name = "Imports"

    def ready(self) -> None:
        from responsemap.imports import catalogue  # noqa: F401  (declares the fields)
        from responsemap.imports.pull import catalogue as pull_catalogue  # noqa: F401
        from responsemap.imports.pull.running import pull_due_sources
        from responsemap.lib.tasks import register_upkeep

        # Every worker's upkeep: a pull queued for each form server source that is due.
        register_upkeep(pull_due_sources)
