"""Coarser cells for broad filters and maps (ADR 0012): per-week pairs of a filter's
value and a breakdown's value (``RollupPair``), per-week coarse map squares
(``MapCoarseCell``), and the margins indexed by value (a filter's day series).
Empty at first: every project is marked unbuilt, so the worker's upkeep rebuilds its
rollups (coarse ones included) in its next round, and until then the queries read the
daily cells as before (they read the coarse rows only once a project is rebuilt)."""

from __future__ import annotations

from typing import Any

import django.db.models.deletion
from django.db import migrations, models


def mark_unbuilt(apps: Any, schema_editor: Any) -> None:
    # Bookkeeping (ADR 0006): the upkeep rebuilds a project whose rollups were never
    # built, and the coarse rollups are new to every project.
    apps.get_model("analytics", "RollupState").objects.update(rebuilt_at=None)


class Migration(migrations.Migration):
    dependencies = [("analytics", "0006_speed")]

    operations = [
        migrations.CreateModel(
            name="MapCoarseCell",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("week", models.DateField()),
                ("level", models.IntegerField()),
                ("gx", models.IntegerField()),
                ("gy", models.IntegerField()),
                ("dimension", models.CharField(max_length=16)),
                ("value", models.CharField(max_length=16)),
                ("sensitivity", models.CharField(max_length=10)),
                ("records", models.IntegerField(default=0)),
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
                "indexes": [
                    models.Index(
                        fields=["project", "level", "dimension", "value", "week"],
                        name="mapcoarse_level",
                    ),
                    models.Index(fields=["project", "week"], name="mapcoarse_week"),
                ],
            },
        ),
        migrations.CreateModel(
            name="RollupPair",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("week", models.DateField()),
                ("dimension", models.CharField(max_length=16)),
                ("value", models.CharField(max_length=32)),
                ("breakdown", models.CharField(max_length=16)),
                ("bar", models.CharField(max_length=32)),
                ("sensitivity", models.CharField(max_length=10)),
                ("records", models.IntegerField(default=0)),
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
                "indexes": [
                    models.Index(
                        fields=["project", "dimension", "value", "week"],
                        name="rollup_pair_value",
                    ),
                    models.Index(fields=["project", "week"], name="rollup_pair_week"),
                ],
            },
        ),
        migrations.AddIndex(
            model_name="rollupmargin",
            index=models.Index(
                fields=["project", "dimension", "value", "day"], name="rollup_margin_value"
            ),
        ),
        migrations.RunPython(mark_unbuilt, migrations.RunPython.noop),
    ]
