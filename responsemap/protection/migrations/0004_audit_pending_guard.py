"""On PostgreSQL, pending audit events can't be changed, and leave only into the chain.

UPDATE is always refused; DELETE only inside ``audit.sequence_pending`` (which sets the
transaction-local ``responsemap.audit_sequence`` after writing them into the chain) or
the purge of a destroyed project's chain (``responsemap.audit_purge``).
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION responsemap_audit_pending_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND (
        current_setting('responsemap.audit_sequence', true) = 'on'
        OR current_setting('responsemap.audit_purge', true) = 'on'
    ) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'pending audit events leave only into their chain (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER protection_auditpending_guard
    BEFORE UPDATE OR DELETE ON protection_auditpending
    FOR EACH ROW EXECUTE FUNCTION responsemap_audit_pending_guard();
"""

DROP = """
DROP TRIGGER IF EXISTS protection_auditpending_guard ON protection_auditpending;
DROP FUNCTION IF EXISTS responsemap_audit_pending_guard();
"""


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("protection", "0003_audit_pending")]
    operations = [migrations.RunPython(forwards, backwards)]
