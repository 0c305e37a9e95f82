"""The application's PostgreSQL role: what it may do, granted after every ``migrate``.

On PostgreSQL the running application connects as a role that does not own the tables
(``responsemap_app`` by default); migrations run as the owner (``DATABASE_OWNER_URL``,
see the ``migrate`` command of this app and docs/deploy.md, "Database roles"). The app
role may read and write the ordinary tables, but on the audit tables only what the code
needs:

- events, listings, destruction records: SELECT and INSERT;
- pending events: SELECT and INSERT, and UPDATE of ``id`` alone, which
  ``SELECT … FOR UPDATE SKIP LOCKED`` needs (the guard trigger refuses every UPDATE);
  rows leave through ``responsemap_delete_chained_pending``, which removes only events
  already in their chain;
- chain heads: SELECT, INSERT and UPDATE (the sequencer moves them forwards; the guard
  trigger refuses a head moved backwards, and its DELETE);
- ``django_migrations``: SELECT (the app never records a migration);
- no TRUNCATE, REFERENCES or TRIGGER anywhere; no CREATE in the schema;
- EXECUTE on the two owner-defined functions (migration 0007).

The grants are made again after every migrate, so a table a migration adds gets them
too, and a default privilege covers a table made outside ``migrate``.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

from responsemap.protection.models import (
    AuditChainHead,
    AuditEvent,
    AuditListing,
    AuditPending,
    DestroyedProject,
)

ORDINARY = "SELECT, INSERT, UPDATE, DELETE"
# Anything not named here is an ordinary table.
RESTRICTED: dict[str, str] = {
    AuditEvent._meta.db_table: "SELECT, INSERT",
    AuditListing._meta.db_table: "SELECT, INSERT",
    DestroyedProject._meta.db_table: "SELECT, INSERT",
    AuditPending._meta.db_table: "SELECT, INSERT, UPDATE (id)",
    AuditChainHead._meta.db_table: "SELECT, INSERT, UPDATE",
    "django_migrations": "SELECT",
}
FUNCTIONS = (
    "responsemap_delete_chained_pending(bigint[])",
    "responsemap_purge_chain(uuid)",
)


def apply_grants(connection: BaseDatabaseWrapper, app_role: str) -> list[str]:
    """Grant ``app_role`` what the application needs, and no more, on the database
    ``connection`` (the owner's) points at; returns the statements run."""
    if connection.vendor != "postgresql" or not app_role:
        return []
    quote = connection.ops.quote_name
    role = quote(app_role)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema(), current_user")
        schema_name, owner = cursor.fetchone()
        if owner == app_role:
            raise RuntimeError(
                f"migrate connected as the application's role {app_role!r}: "
                "set DATABASE_OWNER_URL to the owner's URL (docs/deploy.md)"
            )
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p')",
            [schema_name],
        )
        tables = sorted(name for (name,) in cursor.fetchall())
        schema = quote(schema_name)
        statements = [
            f"GRANT USAGE ON SCHEMA {schema} TO {role}",
            f"REVOKE CREATE ON SCHEMA {schema} FROM {role}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT {ORDINARY} ON TABLES TO {role}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT "
            f"ON SEQUENCES TO {role}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
        ]
        for table in tables:
            name = f"{schema}.{quote(table)}"
            statements += [
                f"REVOKE ALL ON {name} FROM {role}",
                f"GRANT {RESTRICTED.get(table, ORDINARY)} ON {name} TO {role}",
            ]
        for function in FUNCTIONS:  # none before migration 0007
            cursor.execute("SELECT to_regprocedure(%s)", [f"{schema_name}.{function}"])
            if cursor.fetchone()[0] is not None:
                statements.append(f"GRANT EXECUTE ON FUNCTION {schema}.{function} TO {role}")
        for statement in statements:
            cursor.execute(statement)
    return statements


def table_privileges(connection: BaseDatabaseWrapper, role: str, table: str) -> set[str]:
    """What ``role`` may do on ``table`` (for tests and ``setup_database_roles``)."""
    kinds = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join(["has_table_privilege(%s, %s, %s)"] * len(kinds)),
            [value for kind in kinds for value in (role, table, kind)],
        )
        row: Any = cursor.fetchone()
    return {kind for kind, allowed in zip(kinds, row, strict=True) if allowed}
