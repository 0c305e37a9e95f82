"""Agreement editing: versions (slot made ahead; its helper fills it in)."""

from __future__ import annotations

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("projects", "0006_time_zone")]

    operations = []  # type: ignore[var-annotated]
