from __future__ import annotations

from django.apps import AppConfig


class LibConfig(AppConfig):
    name = "responsemap.lib"
    label = "lib"
