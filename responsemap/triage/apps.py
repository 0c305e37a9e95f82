from __future__ import annotations

from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "responsemap.triage"
    label = "triage"
    verbose_name = "Triage"

    def ready(self) -> None:
        from responsemap.intake.processing import register_processor
        from responsemap.triage import catalogue  # noqa: F401  (declares the fields)
        from responsemap.triage.importing import register_feedback_importer
        from responsemap.triage.inbound import create_feedback_from_inbound

        register_processor(create_feedback_from_inbound)
        register_feedback_importer()
