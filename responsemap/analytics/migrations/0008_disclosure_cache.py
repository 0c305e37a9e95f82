"""Protected figures across pages, cached: one protected month per project that every
outside page reads (``analytics.protected``, ADR 0010)."""

from __future__ import annotations

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("analytics", "0007_coarse_cells")]

    operations = [
        migrations.CreateModel(
            name="ProtectedMonth",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField()),
                ("audience", models.CharField(max_length=16)),
                ("inputs_hash", models.CharField(max_length=64)),
                ("cells", models.JSONField(default=dict)),
                ("stats", models.JSONField(default=dict)),
                ("computed_at", models.DateTimeField()),
                ("frozen_at", models.DateTimeField(null=True)),
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
                        fields=("project", "month", "audience"), name="protected_month_once"
                    )
                ],
            },
        ),
    ]
