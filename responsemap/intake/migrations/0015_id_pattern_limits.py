"""ID patterns that cannot run away (slot made ahead; its helper fills it in)."""

from __future__ import annotations

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("intake", "0014_closure")]

    operations = []  # type: ignore[var-annotated]
