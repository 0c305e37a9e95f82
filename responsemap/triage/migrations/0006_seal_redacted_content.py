# The redacted copy is sealed under the project key like the original (ADR 0008).
# Existing copies are sealed here, with the binding EncryptedTextField uses
# (project|triage.feedback|redacted_content|pk), into a new column that then takes the
# old one's name. A project whose key is already destroyed loses its copy (it is being
# purged). The old text may linger in free database pages and in earlier backups:
# docs/keys.md says to VACUUM after this migration.

from django.db import migrations

import responsemap.protection.fields

BATCH = 1000


def _binding(project_id, pk):
    return f"{project_id}|triage.feedback|redacted_content|{pk}".encode()


def seal_copies(apps, schema_editor):
    from responsemap.protection.keyring import KeyDestroyed, seal

    Feedback = apps.get_model("triage", "Feedback")
    rows = (
        Feedback.objects.exclude(redacted_content="")
        .values_list("pk", "project_id", "redacted_content")
        .order_by("pk")
    )
    for pk, project_id, text in rows.iterator(chunk_size=BATCH):
        try:
            token = seal(project_id, _binding(project_id, pk), text)
        except KeyDestroyed:
            token = None
        Feedback.objects.filter(pk=pk).update(redacted_sealed=token)


def open_copies(apps, schema_editor):
    from responsemap.protection.keyring import DecryptionError, unseal

    Feedback = apps.get_model("triage", "Feedback")
    rows = (
        Feedback.objects.exclude(redacted_sealed=None)
        .values_list("pk", "project_id", "redacted_sealed")
        .order_by("pk")
    )
    for pk, project_id, token in rows.iterator(chunk_size=BATCH):
        try:
            text = unseal(project_id, _binding(project_id, pk), bytes(token))
        except DecryptionError:
            text = ""
        Feedback.objects.filter(pk=pk).update(redacted_content=text)


class Migration(migrations.Migration):
    dependencies = [
        ("triage", "0005_feedback_inbound_message"),
    ]

    operations = [
        migrations.AddField(
            model_name="feedback",
            name="redacted_sealed",
            field=responsemap.protection.fields.EncryptedTextField(blank=True, null=True),
        ),
        migrations.RunPython(seal_copies, open_copies),
        migrations.RemoveField(model_name="feedback", name="redacted_content"),
        migrations.RenameField(
            model_name="feedback", old_name="redacted_sealed", new_name="redacted_content"
        ),
    ]
