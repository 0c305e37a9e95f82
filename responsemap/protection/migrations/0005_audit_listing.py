"""The records a listing event named (``AuditListing``); on PostgreSQL, append-only like
the events themselves (the trigger function of 0002: DELETE only inside the purge of a
destroyed project's chain)."""

from __future__ import annotations

from typing import Any

import django.db.models.deletion
from django.db import migrations, models

CREATE = """
CREATE TRIGGER protection_auditlisting_append_only
    BEFORE UPDATE OR DELETE ON protection_auditlisting
    FOR EACH ROW EXECUTE FUNCTION responsemap_audit_append_only();
"""

DROP = "DROP TRIGGER IF EXISTS protection_auditlisting_append_only ON protection_auditlisting;"


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("protection", "0004_audit_pending_guard")]

    operations = [
        migrations.CreateModel(
            name="AuditListing",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("object_type", models.CharField(max_length=64)),
                ("object_id", models.CharField(max_length=64)),
                (
                    "event",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="listed",
                        to="protection.auditevent",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["object_type", "object_id"], name="protection__object__fa57d5_idx"
                    )
                ],
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
