# Issue 10: the SMS receipt with the reference code, on by default, a project may turn it off.
from __future__ import annotations

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("triage", "0016_status_by_reference")]

    operations: list[migrations.operations.base.Operation] = [
        migrations.AddField(
            model_name="alertpolicy",
            name="send_receipts",
            field=models.BooleanField(db_default=True, default=True),
        ),
    ]
