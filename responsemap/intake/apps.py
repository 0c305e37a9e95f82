from __future__ import annotations

from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "responsemap.intake"
    label = "intake"
    verbose_name = "Intake"

    def ready(self) -> None:
        from responsemap.intake import catalogue  # noqa: F401  (declares the fields)
        from responsemap.intake.channels.queries import forget_project
        from responsemap.intake.messages.actions import mark_unsent
        from responsemap.intake.messages.queries import unsent_at_closure
        from responsemap.intake.messages.receive import send_consent_notices
        from responsemap.intake.messages.steps import register_sweep_step
        from responsemap.intake.messages.sweep import sweep_if_waiting
        from responsemap.lib.tasks import register_upkeep
        from responsemap.projects.destruction.caches import on_destruction
        from responsemap.projects.hooks import on_closing_figures, on_project_closed

        # First of the worker's sweep_steps (intake's AppConfig is ready before those of
        # the apps to its right): the notice to a new number. No signal clears the
        # inbound view's channels: the storing statement checks them (channels/queries).
        register_sweep_step(send_consent_notices)
        # Every worker's upkeep: messages left waiting by a sweep that died get one.
        register_upkeep(sweep_if_waiting)
        expect_inbound_events()
        # A project closing: its queued messages "Not sent: project closed", counted.
        on_project_closed(mark_unsent)
        on_closing_figures(unsent_at_closure)
        # A destroyed project's channel secrets and settings leave this process's cache.
        on_destruction(forget_project)


def expect_inbound_events() -> None:
    """verify_audit checks that every message and contact has its birth event: a pending
    receipt deleted before it was chained shows (ADR 0007)."""
    from responsemap.intake.contacts.models import Contact
    from responsemap.intake.messages.models import InboundMessage
    from responsemap.protection.expected import EventExpectation, expect_event_for_each

    expect_event_for_each(
        EventExpectation(
            "inbound message",
            InboundMessage.objects.all,
            "inboundmessage",
            ("message.receive",),
        )
    )
    expect_event_for_each(
        EventExpectation("contact", Contact.objects.all, "contact", ("contact.create",))
    )
