"""Protected figures across pages, cached (slot made ahead; its helper fills it in)."""

from __future__ import annotations

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("analytics", "0007_coarse_cells")]

    operations = []  # type: ignore[var-annotated]
