# Slot for H3 teams (issue 10). Operations are filled in by hand (or copied from
# `makemigrations --dry-run -v 3`), so that parallel work keeps one linear history.
from __future__ import annotations

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations: list[migrations.operations.base.Operation] = []
