"""SMS alerts to staff phones (slot made ahead; its helper fills it in)."""

from __future__ import annotations

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("triage", "0021_alert_bar")]

    operations = []  # type: ignore[var-annotated]
