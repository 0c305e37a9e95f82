from __future__ import annotations

from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "responsemap.geo"
    label = "geo"
    verbose_name = "Geography"

    def ready(self) -> None:
        from responsemap.geo.actions import create_typed_areas
        from responsemap.projects.hooks import on_project_created

        # The create-project screen's areas typed as a list (projects.creation).
        on_project_created(create_typed_areas)
