import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import responsemap.protection.fields


class Migration(migrations.Migration):
    dependencies = [("triage", "0018_suggestions")]

    operations = [
        migrations.AddField(
            model_name="feedback",
            name="consent_withdrawn_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="feedback",
            name="erased_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.CreateModel(
            name="SubjectRequest",
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
                        choices=[
                            ("access", "See what is held (export)"),
                            ("rectify", "Correct their details"),
                            ("erase", "Erase their data"),
                            ("withdraw", "Withdraw consent"),
                        ],
                        max_length=10,
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[("open", "Open"), ("done", "Done"), ("refused", "Refused")],
                        default="open",
                        max_length=10,
                    ),
                ),
                ("received_at", models.DateTimeField()),
                ("due_at", models.DateTimeField()),
                ("reference", models.CharField(blank=True, max_length=12)),
                ("language", models.CharField(blank=True, max_length=8)),
                ("note", responsemap.protection.fields.EncryptedTextField(blank=True, null=True)),
                ("closed_at", models.DateTimeField(blank=True, null=True)),
                ("outcome", models.JSONField(blank=True, default=dict)),
                (
                    "contact",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="intake.contact",
                    ),
                ),
                (
                    "handled_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "opened_by",
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
                "ordering": ["-received_at"],
                "indexes": [
                    models.Index(
                        fields=["project", "status", "due_at"],
                        name="triage_subj_project_5d3a72_idx",
                    )
                ],
            },
        ),
    ]
