"""On PostgreSQL, refuse UPDATE and DELETE on the audit log.

The only exception is the purge of a destroyed project's chain, which sets the
transaction-local ``responsemap.audit_purge`` (see audit.purge_project_chain).
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION responsemap_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('responsemap.audit_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER protection_auditevent_append_only
    BEFORE UPDATE OR DELETE ON protection_auditevent
    FOR EACH ROW EXECUTE FUNCTION responsemap_audit_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS protection_auditevent_append_only ON protection_auditevent;
DROP FUNCTION IF EXISTS responsemap_audit_append_only();
"""


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("protection", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
