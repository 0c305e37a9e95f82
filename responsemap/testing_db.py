"""The test suite's database roles (a pytest plugin, named in conftest.py).

On PostgreSQL with ``RESPONSEMAP_TEST_RUNTIME_ROLE`` set (CI's PostgreSQL leg), the test
database is created and migrated by the role ``DATABASE_URL`` names (the tables' owner),
which grants the runtime role what the application gets in production
(``protection.dbroles``); then every connection the tests open does ``SET ROLE`` to the
runtime role, so the whole suite runs with the application's privileges, not the
owner's.

Two things a test needs that the application never may:
- flushing the tables between transactional tests (``TRUNCATE`` of the audit tables is
  refused by privilege and by trigger): done as the login role with triggers off
  (``session_replication_role``, which needs a superuser or, for the owner role, CI's
  ``GRANT SET ON PARAMETER``);
- writing behind the application's back, as an attacker with the database would:
  ``behind_the_apps_back(cursor)``.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connections, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.backends.postgresql.operations import DatabaseOperations


def runtime_role() -> str:
    return str(getattr(settings, "RESPONSEMAP_TEST_RUNTIME_ROLE", "") or "")


def behind_the_apps_back(cursor: Any) -> None:
    """For the rest of the current transaction: the login role (the tables' owner or a
    superuser) instead of the application's, with triggers off."""
    cursor.execute("SET LOCAL ROLE NONE")
    cursor.execute("SET LOCAL session_replication_role = replica")


def _execute_sql_flush(self: BaseDatabaseOperations, sql_list: Iterable[str]) -> None:
    """Django's flush (between transactional tests), as the login role with triggers off:
    the application's role may not TRUNCATE the audit tables, and nobody may with the
    triggers on."""
    with (
        transaction.atomic(using=self.connection.alias, savepoint=False),
        self.connection.cursor() as cursor,
    ):
        behind_the_apps_back(cursor)
        for sql in sql_list:
            cursor.execute(sql)


DatabaseOperations.execute_sql_flush = _execute_sql_flush  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """pytest-django's set-up (create and migrate as the owner), then every connection
    as the runtime role until the end, when the owner drops the database again."""
    role = runtime_role()
    wrappers = [c for c in connections.all() if c.vendor == "postgresql"] if role else []
    for connection in wrappers:
        connection.close()
        connection.settings_dict.setdefault("OPTIONS", {})["assume_role"] = role
    yield
    for connection in wrappers:
        connection.close()
        connection.settings_dict["OPTIONS"].pop("assume_role", None)


def pg_dump() -> bytes:
    """A plain-SQL dump of the test database, as a backup holds it (tests that search a
    backup byte for byte)."""
    program = shutil.which("pg_dump")
    if program is None:
        pytest.fail("pg_dump is needed to read what a PostgreSQL backup holds")
    s = connections["default"].settings_dict
    command = [program, "-h", s["HOST"] or "127.0.0.1", "-p", str(s["PORT"] or 5432)]
    command += ["-U", s["USER"] or "postgres", s["NAME"]]
    return subprocess.run(command, check=True, capture_output=True).stdout  # noqa: S603


def file_bytes(path: Path) -> bytes:
    """A file's bytes, read by a child process. For the SQLite test database: opening and
    closing its file in this process would drop every POSIX lock this process's SQLite
    connection holds on it (SQLite's own warning), and another process that then thinks
    itself the last one resets the write-ahead log under us: "database disk image is
    malformed" in a later test."""
    read = subprocess.run(["cat", "--", str(path)], check=True, capture_output=True)  # noqa: S603, S607
    return read.stdout


def sqlite_files(database: str) -> list[bytes]:
    """The SQLite database's file, write-ahead log and shared memory, as they are."""
    main = Path(database)
    return [file_bytes(p) for p in sorted(main.parent.glob(main.name + "*"))]
