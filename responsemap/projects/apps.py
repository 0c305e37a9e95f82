from __future__ import annotations

from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "responsemap.projects"
    label = "projects"
    verbose_name = "Projects"

    def ready(self) -> None:
        from responsemap.projects import catalogue  # noqa: F401  (declares the fields)
