# The public page (analytics.public): its settings, its releases and their ledger.
from __future__ import annotations

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0003_maps"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PublicPage",
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
                ("enabled", models.BooleanField(default=False)),
                ("conflict_mode", models.BooleanField(default=False)),
                ("threshold", models.PositiveSmallIntegerField(default=5)),
                ("sensitive_threshold", models.PositiveSmallIntegerField(default=10)),
                ("area_level", models.PositiveSmallIntegerField(default=1)),
                ("purpose", models.TextField(blank=True)),
                ("partners", models.TextField(blank=True)),
                ("version", models.PositiveIntegerField(default=1)),
                ("updated_at", models.DateTimeField(null=True)),
            ],
        ),
        migrations.CreateModel(
            name="Release",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField()),
                ("released_at", models.DateTimeField()),
                ("threshold", models.PositiveSmallIntegerField()),
                ("sensitive_threshold", models.PositiveSmallIntegerField()),
                ("area_level", models.PositiveSmallIntegerField()),
                ("protection_approved_at", models.DateTimeField(null=True)),
                (
                    "project",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="projects.project",
                    ),
                ),
                (
                    "protection_approved_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "released_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["month"],
            },
        ),
        migrations.CreateModel(
            name="ReleasedTable",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=32)),
                (
                    "family",
                    models.CharField(
                        choices=[("general", "General"), ("protection", "Protection")],
                        max_length=12,
                    ),
                ),
                ("dimension", models.CharField(max_length=16)),
                ("threshold", models.PositiveSmallIntegerField()),
                ("cells", models.JSONField(default=list)),
                ("values_hash", models.CharField(max_length=64)),
                ("recorded_at", models.DateTimeField()),
                ("published_at", models.DateTimeField(null=True)),
                (
                    "release",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="tables",
                        to="analytics.release",
                    ),
                ),
            ],
            options={
                "ordering": ["release__month", "family", "name"],
            },
        ),
        migrations.AddConstraint(
            model_name="release",
            constraint=models.UniqueConstraint(
                fields=("project", "month"), name="public_release_once"
            ),
        ),
    ]
