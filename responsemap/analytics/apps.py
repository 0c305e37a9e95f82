from __future__ import annotations

from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "responsemap.analytics"
    label = "analytics"
    verbose_name = "Analytics"

    def ready(self) -> None:
        # The report's narrative (a model of its own sub-package) and its fields.
        import responsemap.analytics.reports.catalogue  # noqa: F401
        from responsemap.analytics.upkeep import refresh_rollups
        from responsemap.lib.tasks import register_upkeep

        # Every worker's upkeep (every few seconds) recomputes the days whose records
        # changed since its last round: one cheap question when nothing did.
        register_upkeep(refresh_rollups)
