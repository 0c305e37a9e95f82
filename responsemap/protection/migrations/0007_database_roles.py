"""On PostgreSQL, the audit tables refuse every change no session setting can open.

Replaces the guards of 0002, 0004 and 0005, whose ``responsemap.audit_purge`` and
``responsemap.audit_sequence`` settings any role could set. The running application
connects as a role that does not own the tables (``protection.dbroles`` grants it only
what the code needs); these triggers are the second wall, against the owner's mistakes
and against a grant made too wide:

- events and listings: never updated; deleted only when their project has a
  destruction record (``protection_destroyedproject``), which in practice means inside
  ``responsemap_purge_chain`` (the app role has no DELETE on them);
- pending events: never updated; deleted only once chained (their ``uid`` is in the
  chain) or when their project is destroyed — in practice inside
  ``responsemap_delete_chained_pending``, called by ``audit.sequence_pending``. A row
  written before 0006 has no ``uid`` and can't be matched: it may go (else one left
  pending at the upgrade would stop the sequencer for ever); every row since has one;
- chain heads: updated only forwards (a lower seq, another chain or a new hash for the
  same seq is refused); deleted only for a destroyed project;
- destruction records: insert-only;
- TRUNCATE refused on all five.

The two functions are SECURITY DEFINER, owned by the migrating role, with every table
name schema-qualified (a temporary table of the caller's can't stand in for one), and
executable only by the roles ``dbroles.apply_grants`` names. The database's owner (or a
superuser) can still drop a trigger: that is what the head MAC, the expected chains and
the witness outside the database are for (ADR 0007).
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

AUDIT_TABLES = (
    "protection_auditevent",
    "protection_auditlisting",
    "protection_auditpending",
    "protection_auditchainhead",
    "protection_destroyedproject",
)

CREATE = """
DROP TRIGGER IF EXISTS protection_auditevent_append_only ON {s}.protection_auditevent;
DROP TRIGGER IF EXISTS protection_auditlisting_append_only ON {s}.protection_auditlisting;
DROP TRIGGER IF EXISTS protection_auditpending_guard ON {s}.protection_auditpending;
DROP FUNCTION IF EXISTS {s}.responsemap_audit_append_only();
DROP FUNCTION IF EXISTS {s}.responsemap_audit_pending_guard();

CREATE FUNCTION {s}.responsemap_chain_destroyed(chain text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT chain ~ '^project:[0-9a-f-]{{36}}$' AND EXISTS (
        SELECT 1 FROM {s}.protection_destroyedproject d
        WHERE d.project_id = substr(chain, 9)::uuid
    )
$$;

CREATE FUNCTION {s}.responsemap_audit_event_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND {s}.responsemap_chain_destroyed(OLD.chain) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only (% on % refused)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE FUNCTION {s}.responsemap_audit_listing_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND EXISTS (
        SELECT 1 FROM {s}.protection_auditevent e
        WHERE e.id = OLD.event_id AND {s}.responsemap_chain_destroyed(e.chain)
    ) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only (% on % refused)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE FUNCTION {s}.responsemap_audit_pending_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND (
        OLD.uid IS NULL
        OR EXISTS (SELECT 1 FROM {s}.protection_auditevent e WHERE e.uid = OLD.uid)
        OR {s}.responsemap_chain_destroyed(OLD.chain)
    ) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'pending audit events leave only into their chain (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE FUNCTION {s}.responsemap_audit_head_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF {s}.responsemap_chain_destroyed(OLD.chain) THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'an audit chain head is never deleted (chain %)', OLD.chain
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.chain <> OLD.chain OR NEW.seq < OLD.seq
       OR (NEW.seq = OLD.seq AND NEW.hash IS DISTINCT FROM OLD.hash) THEN
        RAISE EXCEPTION 'an audit chain head only moves forwards (chain %, seq % to %)',
            OLD.chain, OLD.seq, NEW.seq
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$;

CREATE FUNCTION {s}.responsemap_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% on % refused: audit records are never changed or removed',
        TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER protection_auditevent_guard
    BEFORE UPDATE OR DELETE ON {s}.protection_auditevent
    FOR EACH ROW EXECUTE FUNCTION {s}.responsemap_audit_event_guard();
CREATE TRIGGER protection_auditlisting_guard
    BEFORE UPDATE OR DELETE ON {s}.protection_auditlisting
    FOR EACH ROW EXECUTE FUNCTION {s}.responsemap_audit_listing_guard();
CREATE TRIGGER protection_auditpending_guard
    BEFORE UPDATE OR DELETE ON {s}.protection_auditpending
    FOR EACH ROW EXECUTE FUNCTION {s}.responsemap_audit_pending_guard();
CREATE TRIGGER protection_auditchainhead_guard
    BEFORE UPDATE OR DELETE ON {s}.protection_auditchainhead
    FOR EACH ROW EXECUTE FUNCTION {s}.responsemap_audit_head_guard();
CREATE TRIGGER protection_destroyedproject_guard
    BEFORE UPDATE OR DELETE ON {s}.protection_destroyedproject
    FOR EACH ROW EXECUTE FUNCTION {s}.responsemap_refuse_change();

-- The sequencer's one way to remove pending events: those already in the chain.
CREATE FUNCTION {s}.responsemap_delete_chained_pending(ids bigint[]) RETURNS integer
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    WITH gone AS (
        DELETE FROM {s}.protection_auditpending p
        WHERE p.id = ANY(ids)
          AND (p.uid IS NULL  -- written before 0006 gave events a uid: none since
               OR EXISTS (SELECT 1 FROM {s}.protection_auditevent e WHERE e.uid = p.uid))
        RETURNING 1
    )
    SELECT count(*)::integer FROM gone
$$;

-- The one way to remove a project's chain: its key destroyed (the destruction record)
-- and the removal already recorded in the system chain, which is never purged.
CREATE FUNCTION {s}.responsemap_purge_chain(project uuid) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    doomed text := 'project:' || project::text;
    removed bigint;
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM {s}.protection_destroyedproject d WHERE d.project_id = project
    ) THEN
        RAISE EXCEPTION 'project % has no destruction record: its audit chain stays', project
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT EXISTS (
        SELECT 1 FROM {s}.protection_auditevent e
        WHERE e.chain = 'system' AND e.action = 'audit.chain_purged'
          AND e.object_type = 'project' AND e.object_id = project::text
    ) THEN
        RAISE EXCEPTION 'the system chain must record the purge of project % first', project
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    DELETE FROM {s}.protection_auditlisting l
        USING {s}.protection_auditevent e
        WHERE l.event_id = e.id AND e.chain = doomed;
    DELETE FROM {s}.protection_auditevent WHERE chain = doomed;
    GET DIAGNOSTICS removed = ROW_COUNT;
    DELETE FROM {s}.protection_auditpending WHERE chain = doomed;
    DELETE FROM {s}.protection_auditchainhead WHERE chain = doomed;
    RETURN removed;
END;
$$;

REVOKE ALL ON FUNCTION {s}.responsemap_delete_chained_pending(bigint[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION {s}.responsemap_purge_chain(uuid) FROM PUBLIC;
"""

NO_TRUNCATE = """
CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {s}.{table}
    FOR EACH STATEMENT EXECUTE FUNCTION {s}.responsemap_refuse_change();
"""

DROP = """
DROP FUNCTION IF EXISTS {s}.responsemap_purge_chain(uuid);
DROP FUNCTION IF EXISTS {s}.responsemap_delete_chained_pending(bigint[]);
DROP TRIGGER IF EXISTS protection_auditevent_guard ON {s}.protection_auditevent;
DROP TRIGGER IF EXISTS protection_auditlisting_guard ON {s}.protection_auditlisting;
DROP TRIGGER IF EXISTS protection_auditpending_guard ON {s}.protection_auditpending;
DROP TRIGGER IF EXISTS protection_auditchainhead_guard ON {s}.protection_auditchainhead;
DROP TRIGGER IF EXISTS protection_destroyedproject_guard ON {s}.protection_destroyedproject;
DROP FUNCTION IF EXISTS {s}.responsemap_audit_event_guard();
DROP FUNCTION IF EXISTS {s}.responsemap_audit_listing_guard();
DROP FUNCTION IF EXISTS {s}.responsemap_audit_pending_guard();
DROP FUNCTION IF EXISTS {s}.responsemap_audit_head_guard();
DROP FUNCTION IF EXISTS {s}.responsemap_chain_destroyed(text);
DROP FUNCTION IF EXISTS {s}.responsemap_refuse_change();
"""

DROP_TRUNCATE = "DROP TRIGGER IF EXISTS {table}_no_truncate ON {s}.{table};"


def _schema(schema_editor: Any) -> str:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        (name,) = cursor.fetchone()
    return str(schema_editor.connection.ops.quote_name(name))


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    s = _schema(schema_editor)
    schema_editor.execute(CREATE.format(s=s), params=None)
    for table in AUDIT_TABLES:
        schema_editor.execute(NO_TRUNCATE.format(s=s, table=table), params=None)


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    s = _schema(schema_editor)
    for table in AUDIT_TABLES:
        schema_editor.execute(DROP_TRUNCATE.format(s=s, table=table), params=None)
    schema_editor.execute(DROP.format(s=s), params=None)
    # The guards of 0002, 0004 and 0005 again.
    from importlib import import_module

    for name in ("0002_audit_append_only", "0004_audit_pending_guard"):
        schema_editor.execute(
            import_module(f"responsemap.protection.migrations.{name}").CREATE, params=None
        )
    schema_editor.execute(
        import_module("responsemap.protection.migrations.0005_audit_listing").CREATE,
        params=None,
    )


class Migration(migrations.Migration):
    dependencies = [("protection", "0006_audit_proof")]
    operations = [migrations.RunPython(forwards, backwards)]
