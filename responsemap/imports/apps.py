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
        from responsemap.imports.submissions import submission_links
        from responsemap.imports.tasks import expire_abandoned_jobs
        from responsemap.lib.tasks import register_upkeep
        from responsemap.triage.record_extras import register_record_card

        # Every worker's upkeep: a pull queued for each form server source that is due.
        register_upkeep(pull_due_sources)
        # …and import jobs left before their start lose their file after a while.
        register_upkeep(expire_abandoned_jobs)
        # The record page: a repeat row's record and its submission's, linked both ways.
        register_record_card(submission_links)
