# Slot reserved for a change in progress; filled in by its owner (empty is valid).
from __future__ import annotations

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("analytics", "0004_public")]

    operations = []  # type: ignore[var-annotated]
