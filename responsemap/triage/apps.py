from __future__ import annotations

from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "responsemap.triage"
    label = "triage"
    verbose_name = "Triage"

    def ready(self) -> None:
        from responsemap.accounts.phones.hooks import register_code_sender
        from responsemap.intake.messages.steps import register_sweep_step
        from responsemap.lib.tasks import register_upkeep
        from responsemap.projects.destruction.caches import on_destruction
        from responsemap.projects.hooks import on_project_closed
        from responsemap.triage import catalogue  # noqa: F401  (declares the fields)
        from responsemap.triage.alerts.actions import do_send_staff_code, mark_staff_sms_unsent
        from responsemap.triage.alerts.escalation import escalate_overdue_alerts
        from responsemap.triage.from_messages import make_feedback_from_messages
        from responsemap.triage.redaction import forget_project as forget_redaction
        from responsemap.triage.suggestions.loading import forget_project as forget_model
        from responsemap.triage.suggestions.loading import warm_base_model

        register_sweep_step(make_feedback_from_messages)
        # Alerts nobody acknowledged in time are escalated by every worker's upkeep.
        register_upkeep(escalate_overdue_alerts)
        # The code that proves a staff phone goes through a project's alert SMS channel.
        register_code_sender(do_send_staff_code)
        # A closing project's staff SMS still queued are never sent.
        on_project_closed(mark_staff_sms_unsent)
        # The shipped suggestion model trained (or read from var/) outside any batch.
        register_upkeep(warm_base_model)
        # A destroyed project's redaction policy and model leave this process's memory.
        on_destruction(forget_redaction)
        on_destruction(forget_model)
