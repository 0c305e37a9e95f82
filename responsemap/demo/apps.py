from __future__ import annotations

from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The invented demo project (``manage.py seed_demo``). Rightmost of the apps, so it
    may import every other one to seed through their actions."""

    name = "responsemap.demo"
    label = "demo"
    verbose_name = "Demo"
