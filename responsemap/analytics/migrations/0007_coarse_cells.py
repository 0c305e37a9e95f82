"""Coarser cells for broad filters and maps (slot made ahead; its helper fills it in)."""

from __future__ import annotations

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("analytics", "0006_speed")]

    operations = []  # type: ignore[var-annotated]
