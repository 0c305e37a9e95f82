import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import responsemap.protection.fields


class Migration(migrations.Migration):
    dependencies = [("triage", "0017_receipts")]

    operations = [
        migrations.AlterField(
            model_name="alert",
            name="cause",
            field=models.CharField(
                choices=[
                    ("rule", "Matched a rule"),
                    ("urgency", "Urgency"),
                    ("suggest", "Suggested as urgent"),
                ],
                max_length=8,
            ),
        ),
        migrations.CreateModel(
            name="ProjectModel",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("version", models.PositiveIntegerField()),
                (
                    "weights",
                    responsemap.protection.fields.EncryptedTextField(blank=True, null=True),
                ),
                ("examples", models.PositiveIntegerField(default=0)),
                ("project_examples", models.PositiveIntegerField(default=0)),
                ("trained_at", models.DateTimeField()),
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
                        fields=("project", "version"), name="suggestions_model_version_unique"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="Suggestion",
            fields=[
                (
                    "feedback",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="triage.feedback",
                    ),
                ),
                ("type_code", models.CharField(max_length=16)),
                ("type_confidence", models.FloatField()),
                ("sector", models.CharField(max_length=16)),
                ("sector_confidence", models.FloatField()),
                ("urgent", models.BooleanField(default=False)),
                ("urgent_confidence", models.FloatField()),
                ("protection", models.BooleanField(default=False)),
                ("protection_confidence", models.FloatField()),
                ("cues", models.JSONField(blank=True, default=list)),
                ("model", models.CharField(max_length=32)),
                ("raised", models.BooleanField(default=False)),
                ("created_at", models.DateTimeField()),
                (
                    "decision",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("", "Not decided"),
                            ("accepted", "Accepted"),
                            ("changed", "Changed"),
                        ],
                        default="",
                        max_length=8,
                    ),
                ),
                ("decided_at", models.DateTimeField(blank=True, null=True)),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
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
                        fields=["project", "created_at"], name="triage_sugg_project_5874ff_idx"
                    )
                ],
            },
        ),
    ]
