"""A project's time zone (empty: its country's)."""

from __future__ import annotations

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("projects", "0005_subject_requests")]

    operations = [
        migrations.AddField(
            model_name="project",
            name="time_zone",
            field=models.CharField(
                blank=True, help_text="e.g. Africa/Mogadishu; empty: the country's", max_length=64
            ),
        ),
    ]
