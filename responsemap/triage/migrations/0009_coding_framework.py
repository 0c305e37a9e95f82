# Slot for H1 coding framework (issue 10). Operations are filled in by hand (or copied from
# `makemigrations --dry-run -v 3`), so that parallel work keeps one linear history.
from __future__ import annotations

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("triage", "0008_workflow_notes")]

    operations: list[migrations.operations.base.Operation] = []
