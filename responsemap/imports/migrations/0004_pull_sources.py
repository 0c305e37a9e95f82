import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import responsemap.protection.fields


class Migration(migrations.Migration):
    dependencies = [("imports", "0003_sheets_and_mappings")]

    operations = [
        migrations.CreateModel(
            name="PullSource",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[("kobo", "KoboToolbox"), ("odk", "ODK Central")], max_length=8
                    ),
                ),
                ("name", models.CharField(max_length=100)),
                ("config", models.JSONField(blank=True, default=dict)),
                (
                    "secrets",
                    responsemap.protection.fields.EncryptedTextField(blank=True, null=True),
                ),
                (
                    "fields",
                    responsemap.protection.fields.EncryptedTextField(blank=True, null=True),
                ),
                ("mapping", models.JSONField(blank=True, default=dict)),
                ("is_active", models.BooleanField(default=True)),
                ("interval_minutes", models.PositiveIntegerField(default=60)),
                ("last_submission_at", models.DateTimeField(blank=True, null=True)),
                ("next_run_at", models.DateTimeField(blank=True, null=True)),
                ("running_since", models.DateTimeField(blank=True, null=True)),
                ("last_run_at", models.DateTimeField(blank=True, null=True)),
                ("last_outcome", models.CharField(blank=True, max_length=24)),
                ("last_fetched", models.PositiveIntegerField(default=0)),
                ("last_created", models.PositiveIntegerField(default=0)),
                ("last_skipped", models.PositiveIntegerField(default=0)),
                ("last_failed", models.PositiveIntegerField(default=0)),
                ("total_created", models.PositiveIntegerField(default=0)),
                ("errors", models.JSONField(blank=True, default=list)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
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
                "ordering": ["name"],
                "indexes": [
                    models.Index(fields=["project", "name"], name="imports_pul_project_d4ec6e_idx"),
                    models.Index(fields=["is_active", "next_run_at"], name="imports_pull_due"),
                ],
            },
        ),
    ]
