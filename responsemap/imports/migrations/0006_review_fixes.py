"""Import review fixes: an import job left before its start expires (its file deleted)."""

from __future__ import annotations

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("imports", "0005_pull_repeats")]

    operations = [
        migrations.AlterField(
            model_name="importjob",
            name="state",
            field=models.CharField(
                choices=[
                    ("uploaded", "Uploaded"),
                    ("checking", "Checking"),
                    ("mapped", "Checked, ready to import"),
                    ("running", "Importing"),
                    ("done", "Finished"),
                    ("failed", "Failed"),
                    ("expired", "Expired, file deleted"),
                ],
                default="uploaded",
                max_length=8,
            ),
        ),
    ]
