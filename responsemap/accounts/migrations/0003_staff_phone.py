"""Staff phones for SMS alerts (slot made ahead; its helper fills it in)."""

from __future__ import annotations

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_teams")]

    operations = []  # type: ignore[var-annotated]
