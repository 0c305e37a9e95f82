"""ID patterns that cannot run away: how often each of a project's ID patterns ran out of
its time on a message (``intake.contacts.models.IdPatternTimeout``)."""

from __future__ import annotations

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("intake", "0014_closure")]

    operations = [
        migrations.CreateModel(
            name="IdPatternTimeout",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("pattern", models.TextField()),
                ("count", models.PositiveIntegerField(default=0)),
                ("first_at", models.DateTimeField()),
                ("last_at", models.DateTimeField()),
                (
                    "project",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="projects.project",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("project", "pattern"), name="id_pattern_timeout_unique"
                    )
                ],
            },
        ),
    ]
