from __future__ import annotations

from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "responsemap.intake"
    label = "intake"
    verbose_name = "Intake"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from responsemap.intake import catalogue  # noqa: F401  (declares the fields)
        from responsemap.intake.channels.models import Channel
        from responsemap.intake.channels.queries import forget_channels
        from responsemap.intake.contacts.models import IntakePolicy
        from responsemap.intake.messages.receive import send_consent_notices
        from responsemap.intake.messages.steps import register_sweep_step
        from responsemap.projects.models import Project

        # First of the worker's sweep_steps (intake's AppConfig is ready before those of
        # the apps to its right): the notice to a new number.
        register_sweep_step(send_consent_notices)
        # The inbound view caches channels per process; a change made here is seen at
        # once here, and within CHANNEL_CACHE_SECONDS in other processes. Signals only
        # drop a cache here, no domain logic: a channel is switched off in the admin
        # and a project closed in ``projects``, which can't call into intake.
        for model in (Channel, IntakePolicy, Project):
            post_save.connect(forget_channels, sender=model, dispatch_uid=f"forget-{model}")
            post_delete.connect(forget_channels, sender=model, dispatch_uid=f"forget-{model}-")
