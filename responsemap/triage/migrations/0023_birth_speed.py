"""Record birth speed (slot made ahead; its helper fills it in)."""

from __future__ import annotations

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("triage", "0022_staff_sms_alerts")]

    operations = []  # type: ignore[var-annotated]
