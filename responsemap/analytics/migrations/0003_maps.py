# The maps (analytics.maps): positions counted on a grid per day, each project's map
# settings, and the permission to see exact positions (protection focal points).
from __future__ import annotations

import django.db.models.deletion
from django.db import migrations, models

PERMISSION = "view_exact_positions"


def grant(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Existing projects' protection focal points may see exact positions, as new
    projects' do (accounts.permissions.DEFAULT_ROLES)."""
    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(code="protection"):
        if PERMISSION not in (role.permissions or []):
            role.permissions = [*(role.permissions or []), PERMISSION]
            role.save(update_fields=["permissions"])


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0002_margins"),
        ("accounts", "0001_initial"),
        ("projects", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="MapCell",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                ("gx", models.IntegerField()),
                ("gy", models.IntegerField()),
                ("type_code", models.CharField(max_length=16)),
                ("sector", models.CharField(max_length=16)),
                ("source", models.CharField(max_length=16)),
                ("status", models.CharField(max_length=16)),
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
                    models.Index(fields=["project", "day", "gx"], name="mapcell_project_day")
                ],
            },
        ),
        migrations.CreateModel(
            name="MapSettings",
            fields=[
                (
                    "project",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="projects.project",
                    ),
                ),
                (
                    "grid_metres",
                    models.PositiveIntegerField(
                        default=1000,
                        help_text="Positions are counted in squares of about this size, never finer.",
                        verbose_name="Grid cell size (metres)",
                    ),
                ),
                (
                    "tile_url",
                    models.CharField(
                        blank=True,
                        help_text="A tile server's address with {z}, {x} and {y}, e.g. one your organisation runs. Empty: the map shows the project's boundaries alone (works offline).",
                        max_length=300,
                        verbose_name="Background map (tile address)",
                    ),
                ),
                (
                    "tile_attribution",
                    models.CharField(
                        blank=True, max_length=200, verbose_name="Background map credit"
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
        ),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
