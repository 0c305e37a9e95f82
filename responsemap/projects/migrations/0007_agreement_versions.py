"""Agreement editing: versions. Each existing agreement gets its version 1 (its terms
as they stand, changed when it was created, by whoever created it)."""

from __future__ import annotations

import uuid
from typing import Any

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import responsemap.protection.fields

TERMS = (
    "purpose",
    "document_reference",
    "valid_from",
    "valid_to",
    "fields_allowed",
    "types_allowed",
    "sectors_allowed",
)


def first_versions(apps: Any, schema_editor: Any) -> None:
    agreements = apps.get_model("projects", "DataSharingAgreement")
    versions = apps.get_model("projects", "AgreementVersion")
    rows = []
    for agreement in agreements.objects.select_related("created_by").iterator():
        creator = agreement.created_by
        rows.append(
            versions(
                project_id=agreement.project_id,
                agreement_id=agreement.pk,
                number=1,
                changed_at=agreement.created_at,
                changed_by_id=agreement.created_by_id,
                changed_by_label=creator.username if creator else "",
                **{name: getattr(agreement, name) for name in TERMS},
            )
        )
    versions.objects.bulk_create(rows, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0006_time_zone"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="datasharingagreement",
            name="version",
            field=models.PositiveIntegerField(default=1),
        ),
        migrations.CreateModel(
            name="AgreementVersion",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("number", models.PositiveIntegerField()),
                ("purpose", models.CharField(max_length=300)),
                ("document_reference", models.CharField(max_length=100)),
                ("fields_allowed", models.JSONField(default=list)),
                ("types_allowed", models.JSONField(default=list)),
                ("sectors_allowed", models.JSONField(default=list)),
                ("valid_from", models.DateField()),
                ("valid_to", models.DateField()),
                ("changed_at", models.DateTimeField()),
                ("changed_by_label", models.CharField(blank=True, max_length=150)),
                ("reason", responsemap.protection.fields.EncryptedTextField(blank=True, null=True)),
                (
                    "agreement",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="versions",
                        to="projects.datasharingagreement",
                    ),
                ),
                (
                    "changed_by",
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
                "ordering": ["agreement", "-number"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("agreement", "number"), name="agreement_version_unique"
                    )
                ],
            },
        ),
        migrations.RunPython(first_versions, migrations.RunPython.noop),
    ]
