from __future__ import annotations

from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "responsemap.triage"
    label = "triage"
    verbose_name = "Triage"

    def ready(self) -> None:
        from responsemap.intake.messages.steps import register_sweep_step
        from responsemap.triage import catalogue  # noqa: F401  (declares the fields)
        from responsemap.triage.inbound import create_feedback_from_inbound

        register_sweep_step(create_feedback_from_inbound)
