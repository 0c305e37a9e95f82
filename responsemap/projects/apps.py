from __future__ import annotations

from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "responsemap.projects"
    label = "projects"
    verbose_name = "Projects"
