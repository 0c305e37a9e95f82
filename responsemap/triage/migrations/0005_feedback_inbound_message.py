# Feedback made from a message points at it with a real foreign key; until now the
# message's id was kept as text in provider_message_id. Existing rows are linked here and
# their provider_message_id cleared: it now holds only an import's row key.

import uuid

import django.db.models.deletion
from django.db import migrations, models

MESSAGE_SOURCES = ["sms", "telegram", "whatsapp"]
BATCH = 1000


def _as_uuid(value):
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def link_messages(apps, schema_editor):
    Feedback = apps.get_model("triage", "Feedback")
    InboundMessage = apps.get_model("intake", "InboundMessage")
    rows = (
        Feedback.objects.filter(source__in=MESSAGE_SOURCES, inbound_message__isnull=True)
        .exclude(provider_message_id="")
        .values_list("pk", "project_id", "provider_message_id")
    )
    pending = list(rows.iterator(chunk_size=BATCH))
    for start in range(0, len(pending), BATCH):
        chunk = pending[start : start + BATCH]
        wanted = {_as_uuid(pmid) for _pk, _project, pmid in chunk} - {None}
        messages = dict(
            InboundMessage.objects.filter(pk__in=wanted).values_list("pk", "project_id")
        )
        linked = []
        for pk, project_id, pmid in chunk:
            message_id = _as_uuid(pmid)
            if message_id is not None and messages.get(message_id) == project_id:
                linked.append(
                    Feedback(pk=pk, inbound_message_id=message_id, provider_message_id="")
                )
        Feedback.objects.bulk_update(linked, ["inbound_message", "provider_message_id"])


def unlink_messages(apps, schema_editor):
    Feedback = apps.get_model("triage", "Feedback")
    rows = Feedback.objects.filter(inbound_message__isnull=False)
    for pk, message_id in rows.values_list("pk", "inbound_message_id").iterator(chunk_size=BATCH):
        Feedback.objects.filter(pk=pk).update(
            provider_message_id=str(message_id), inbound_message=None
        )


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0008_settings_updated_at"),
        ("triage", "0004_feedback_source"),
    ]

    operations = [
        migrations.AddField(
            model_name="feedback",
            name="inbound_message",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="intake.inboundmessage",
            ),
        ),
        migrations.RunPython(link_messages, unlink_messages),
        migrations.AddConstraint(
            model_name="feedback",
            constraint=models.UniqueConstraint(
                condition=models.Q(("inbound_message__isnull", False)),
                fields=("inbound_message",),
                name="feedback_inbound_message_unique",
            ),
        ),
    ]
