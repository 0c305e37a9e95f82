"""Create the two PostgreSQL roles: the tables' owner and the application's (idempotent).

Run with ``DATABASE_URL`` naming a role that may create roles (``postgres`` on a
development machine; an administrator in production). It creates ``responsemap_owner``
and ``responsemap_app`` (LOGIN, no other attribute) if they are missing, makes the owner
own the schema and every table, view and function already in it (a database migrated
earlier by another role), and takes CREATE in the schema away from everyone else.
Passwords are not its business: on a machine with ``trust`` or peer authentication none
is needed; in production set them with ``ALTER ROLE … PASSWORD`` (or use certificates)
and give each URL to its own process (docs/deploy.md, "Database roles").

``--print-env`` prints the two URLs (``DATABASE_URL`` for the application,
``DATABASE_OWNER_URL`` for ``migrate``) as shell assignments: ``make run`` evaluates
them. ``--for-tests`` also lets the owner create the test database and run the suite
as the application's role (CI).
"""

from __future__ import annotations

import shlex
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from responsemap.lib.env import env_str


def _with_user(url: str, user: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, f"{quote(user)}@{host}", parts.path, parts.query, ""))


class Command(BaseCommand):
    help = (
        "Create the PostgreSQL roles of the tables' owner and of the application (idempotent), "
        "as the administrator DATABASE_URL names."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--owner", default="responsemap_owner", help="the owner's role")
        parser.add_argument("--app", default="responsemap_app", help="the application's role")
        parser.add_argument(
            "--print-env",
            action="store_true",
            help="print DATABASE_URL (the app's) and DATABASE_OWNER_URL as shell assignments",
        )
        parser.add_argument(
            "--for-tests",
            action="store_true",
            help="also let the owner create test databases, become the app's role and turn "
            "triggers off (CI only: never in production)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("DATABASE_URL does not name a PostgreSQL database")
        owner, app = options["owner"], options["app"]
        if owner == app:
            raise CommandError("the owner's and the application's roles must differ")
        q = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_database(), current_schema()")
            database, schema = cursor.fetchone()
            for role in (owner, app):
                cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
                if cursor.fetchone() is None:
                    cursor.execute(f"CREATE ROLE {q(role)} LOGIN")
                    self.stderr.write(f"created role {role}")
                cursor.execute(f"GRANT CONNECT ON DATABASE {q(database)} TO {q(role)}")
            cursor.execute(f"ALTER SCHEMA {q(schema)} OWNER TO {q(owner)}")
            cursor.execute(f"REVOKE CREATE ON SCHEMA {q(schema)} FROM PUBLIC")
            self._adopt(cursor, schema, owner)
            if options["for_tests"]:
                cursor.execute(f"ALTER ROLE {q(owner)} CREATEDB")
                cursor.execute(f"GRANT {q(app)} TO {q(owner)}")
                cursor.execute(f"GRANT SET ON PARAMETER session_replication_role TO {q(owner)}")
        if options["print_env"]:
            url = env_str("DATABASE_URL")
            self.stdout.write(f"DATABASE_URL={shlex.quote(_with_user(url, app))}")
            self.stdout.write(f"DATABASE_OWNER_URL={shlex.quote(_with_user(url, owner))}")

    def _adopt(self, cursor: Any, schema: str, owner: str) -> None:
        """Make ``owner`` own what another role created in ``schema`` (a database migrated
        before the roles existed); a table's sequences follow their table."""
        q = connection.ops.quote_name
        cursor.execute(
            "SELECT c.relname, c.relkind FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'v', 'm') "
            "AND pg_get_userbyid(c.relowner) <> %s "
            "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')",
            [schema, owner],
        )
        kinds = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW"}
        relations = cursor.fetchall()
        for name, kind in relations:
            cursor.execute(f"ALTER {kinds[kind]} {q(schema)}.{q(name)} OWNER TO {q(owner)}")
        cursor.execute(
            "SELECT p.oid::regprocedure::text FROM pg_proc p "
            "JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = %s AND pg_get_userbyid(p.proowner) <> %s "
            "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')",
            [schema, owner],
        )
        functions = [name for (name,) in cursor.fetchall()]
        for function in functions:
            cursor.execute(f"ALTER FUNCTION {function} OWNER TO {q(owner)}")
        if relations or functions:
            self.stderr.write(
                f"{owner} now owns {len(relations)} table(s) and {len(functions)} function(s) "
                f"in schema {schema}"
            )
