# ImportJob moves from intake to its own app; the table keeps its name (no SQL).

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import responsemap.protection.fields


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("intake", "0007_importjob_moved_to_imports"),
        ("projects", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ImportJob",
                    fields=[
                        (
                            "id",
                            models.UUIDField(
                                default=uuid.uuid4,
                                editable=False,
                                primary_key=True,
                                serialize=False,
                            ),
                        ),
                        ("file_name", models.CharField(max_length=255)),
                        (
                            "file_kind",
                            models.CharField(
                                choices=[("csv", "CSV"), ("xlsx", "Excel (XLSX)")], max_length=4
                            ),
                        ),
                        ("file_size", models.PositiveIntegerField(default=0)),
                        (
                            "content",
                            responsemap.protection.fields.EncryptedTextField(blank=True, null=True),
                        ),
                        ("headers", models.JSONField(blank=True, default=list)),
                        ("mapping", models.JSONField(blank=True, default=dict)),
                        ("dry_run", models.JSONField(blank=True, default=dict)),
                        (
                            "state",
                            models.CharField(
                                choices=[
                                    ("uploaded", "Uploaded"),
                                    ("checking", "Checking"),
                                    ("mapped", "Checked, ready to import"),
                                    ("running", "Importing"),
                                    ("done", "Finished"),
                                    ("failed", "Failed"),
                                ],
                                default="uploaded",
                                max_length=8,
                            ),
                        ),
                        ("total", models.PositiveIntegerField(default=0)),
                        ("processed", models.PositiveIntegerField(default=0)),
                        ("created", models.PositiveIntegerField(default=0)),
                        ("skipped", models.PositiveIntegerField(default=0)),
                        ("failed", models.PositiveIntegerField(default=0)),
                        ("errors", models.JSONField(blank=True, default=list)),
                        ("failure_reason", models.CharField(blank=True, max_length=32)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        ("started_at", models.DateTimeField(blank=True, null=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "created_by",
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
                        "db_table": "intake_importjob",
                        "ordering": ["-created_at"],
                        "indexes": [
                            models.Index(
                                fields=["project", "-created_at"],
                                name="intake_impo_project_4dd9e9_idx",
                            )
                        ],
                    },
                ),
            ],
        ),
    ]
