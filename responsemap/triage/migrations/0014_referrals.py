# Slot for H6 referrals (issue 10). Operations are filled in by hand (or copied from
# `makemigrations --dry-run -v 3`), so that parallel work keeps one linear history.
from __future__ import annotations

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("triage", "0013_replies_and_callbacks")]

    operations: list[migrations.operations.base.Operation] = []
