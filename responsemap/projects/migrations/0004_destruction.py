"""Legal holds, destruction runs and the aggregates a destroyed project leaves
(projects.destruction)."""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import responsemap.protection.fields


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0003_lifecycle"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="DestructionRun",
            fields=[
                (
                    "project",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="projects.project",
                    ),
                ),
                (
                    "step",
                    models.CharField(
                        choices=[
                            ("key", "Destroying the key"),
                            ("aggregates", "Counting what is kept"),
                            ("rows", "Removing the records"),
                            ("chain", "Removing the audit trail"),
                            ("files", "Removing files and caches"),
                            ("certificate", "Writing the certificate"),
                            ("done", "Destroyed"),
                        ],
                        default="key",
                        max_length=16,
                    ),
                ),
                (
                    "approval",
                    models.CharField(
                        choices=[
                            ("retention", "Retention period ended"),
                            ("operator", "Operator's decision"),
                        ],
                        max_length=16,
                    ),
                ),
                ("approved_by", models.CharField(max_length=150)),
                ("approved_by_id", models.BigIntegerField(blank=True, null=True)),
                ("started_at", models.DateTimeField()),
                ("key_destroyed_at", models.DateTimeField(blank=True, null=True)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                ("key_id", models.CharField(blank=True, max_length=64)),
                ("key_fingerprint", models.CharField(blank=True, max_length=64)),
                ("key_versions", models.PositiveIntegerField(default=0)),
                ("counts", models.JSONField(blank=True, default=dict)),
                ("files", models.PositiveIntegerField(default=0)),
                ("chain_events", models.PositiveBigIntegerField(default=0)),
                ("chain_final_hash", models.CharField(blank=True, max_length=64)),
                ("certificate_uid", models.UUIDField(blank=True, null=True)),
            ],
            options={
                "verbose_name": "destruction run",
            },
        ),
        migrations.CreateModel(
            name="LegalHold",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("reason", responsemap.protection.fields.EncryptedTextField(blank=True, null=True)),
                ("expires_on", models.DateField()),
                ("placed_at", models.DateTimeField()),
                ("lifted_at", models.DateTimeField(blank=True, null=True)),
                (
                    "lifted_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "owner",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "placed_by",
                    models.ForeignKey(
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
                        related_name="legal_holds",
                        to="projects.project",
                    ),
                ),
            ],
            options={
                "verbose_name": "legal hold",
                "ordering": ["-placed_at"],
            },
        ),
        migrations.CreateModel(
            name="ProjectAggregate",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("kind", models.CharField(max_length=100)),
                ("month", models.DateField()),
                ("dimension", models.CharField(blank=True, max_length=64)),
                ("value", models.CharField(blank=True, max_length=64)),
                ("count", models.PositiveIntegerField(blank=True, null=True)),
                (
                    "project",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="projects.project",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("project", "kind", "month", "dimension", "value"),
                        name="project_aggregate_once",
                    )
                ],
            },
        ),
    ]
