"""Suggestions: a stricter bar for alerting than for showing "urgent" (``suggestions.bars``).
``alerted`` says the record was raised and alerted on; suggestions made before it were
alerted on whenever they raised their record."""

from __future__ import annotations

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def alerted_when_raised(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    suggestion = apps.get_model("triage", "Suggestion")
    suggestion.objects.using(schema_editor.connection.alias).filter(raised=True).update(
        alerted=True
    )


class Migration(migrations.Migration):
    dependencies = [("triage", "0020_closure")]

    operations = [
        migrations.AddField(
            model_name="suggestion",
            name="alerted",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(alerted_when_raised, migrations.RunPython.noop, elidable=True),
    ]
