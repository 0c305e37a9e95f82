# Issue 10: the per-project codes (triage.coding) and the
# record's type and sector without fixed choices (checked against the framework).
from __future__ import annotations

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0001_initial"),
        ("triage", "0008_workflow_notes"),
    ]

    operations: list[migrations.operations.base.Operation] = [
        migrations.AlterField(
            model_name="feedback",
            name="sector",
            field=models.CharField(default="uncoded", max_length=16),
        ),
        migrations.AlterField(
            model_name="feedback",
            name="type_code",
            field=models.CharField(default="uncoded", max_length=16),
        ),
        migrations.CreateModel(
            name="Code",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[("type_code", "Type"), ("sector", "Sector"), ("topic", "Topic")],
                        max_length=16,
                    ),
                ),
                ("code", models.SlugField(max_length=64)),
                ("label", models.CharField(blank=True, max_length=100)),
                ("labels", models.JSONField(blank=True, default=dict)),
                ("position", models.PositiveIntegerField(default=0)),
                ("retired_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
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
                "ordering": ["project", "kind", "position", "code"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("project", "kind", "code"), name="coding_code_unique"
                    )
                ],
            },
        ),
    ]
