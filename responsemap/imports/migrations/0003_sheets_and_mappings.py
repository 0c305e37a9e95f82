# Saved mappings per form (sealed: header names and choice values), and the link of a
# record made from a repeat group's row to its submission (a keyed hash).
import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import responsemap.protection.fields


class Migration(migrations.Migration):
    dependencies = [("imports", "0002_seal_file_name_and_headers")]

    operations = [
        migrations.CreateModel(
            name="SavedMapping",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("form_key", models.CharField(max_length=80)),
                (
                    "mapping",
                    responsemap.protection.fields.EncryptedTextField(blank=True, null=True),
                ),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "project",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="projects.project",
                    ),
                ),
                (
                    "updated_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("project", "form_key"), name="saved_mapping_form"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="SubmissionLink",
            fields=[
                ("feedback_id", models.UUIDField(primary_key=True, serialize=False)),
                ("submission_key", models.CharField(max_length=80)),
                (
                    "project",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="projects.project",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["project", "submission_key"], name="imports_sub_project_ed22b8_idx"
                    )
                ],
            },
        ),
    ]
