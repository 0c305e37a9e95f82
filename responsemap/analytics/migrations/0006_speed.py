"""Dashboard speed (issue 12): an index per filter the dashboard shares with the inbox,
so that a filtered dashboard reads only the matching rollup cells."""

from __future__ import annotations

from django.db import migrations, models

FILTER_COLUMNS = (
    ("area", "area_id"),
    ("type", "type_code"),
    ("sector", "sector"),
    ("source", "source"),
    ("status", "status"),
)


class Migration(migrations.Migration):
    dependencies = [("analytics", "0005_reports")]

    operations = [
        migrations.AddIndex(
            model_name="rollup",
            index=models.Index(fields=["project", column, "day"], name=f"rollup_{name}_day"),
        )
        for name, column in FILTER_COLUMNS
    ]
