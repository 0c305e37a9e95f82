"""Import review fixes (slot made ahead; its helper fills it in)."""

from __future__ import annotations

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("imports", "0005_pull_repeats")]

    operations = []  # type: ignore[var-annotated]
