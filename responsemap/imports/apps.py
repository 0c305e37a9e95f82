from __future__ import annotations

from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "responsemap.imports"
    label = "imports"
    verbose_name = "Imports"
