# The word search's keyed token index (protection.tokens, ADR 0008); the redacted
# copies already made are indexed here.

import django.db.models.deletion
from django.db import migrations, models

BATCH = 1000


def index_copies(apps, schema_editor):
    from responsemap.protection.keyring import DecryptionError, unseal
    from responsemap.protection.tokens import tokens_for

    Feedback = apps.get_model("triage", "Feedback")
    FeedbackToken = apps.get_model("triage", "FeedbackToken")
    rows = (
        Feedback.objects.exclude(redacted_content=None)
        .values_list("pk", "project_id", "redacted_content")
        .order_by("pk")
    )
    made = []
    for pk, project_id, token in rows.iterator(chunk_size=BATCH):
        binding = f"{project_id}|triage.feedback|redacted_content|{pk}".encode()
        try:
            text = unseal(project_id, binding, bytes(token))
        except DecryptionError:
            continue
        made += [
            FeedbackToken(feedback_id=pk, project_id=project_id, token=t)
            for t in tokens_for(project_id, text)
        ]
        if len(made) >= BATCH:
            FeedbackToken.objects.bulk_create(made)
            made = []
    FeedbackToken.objects.bulk_create(made)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0001_initial"),
        ("triage", "0006_seal_redacted_content"),
    ]

    operations = [
        migrations.CreateModel(
            name="FeedbackToken",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token", models.BigIntegerField()),
                (
                    "feedback",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="triage.feedback",
                    ),
                ),
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
                        fields=["project", "token", "feedback"],
                        name="triage_feed_project_f2edae_idx",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("feedback", "token"), name="feedback_token_unique"
                    )
                ],
            },
        ),
        migrations.RunPython(index_copies, migrations.RunPython.noop),
    ]
