"""An isolated environment for a benchmark process, and the PostgreSQL scratch database.

Nothing here imports Django settings: the environment has to be in place before
``django.setup()`` reads it, and Django settings are process-global, so each database
is benchmarked in its own process.
"""

from __future__ import annotations

import base64
import os
import secrets
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

SETTINGS_MODULE = "responsemap.settings"
BENCH_DB_NAME = "bench_responsemap"
DEFAULT_POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
REPO_ROOT = Path(__file__).resolve().parent.parent


def bench_env(var_dir: Path, database_url: str | None = None) -> dict[str, str]:
    """Variables for a throwaway run: fresh var dir and keys, random secrets, no DEBUG.

    DEBUG stays off so Django does not keep every query in ``connection.queries``,
    which would cost both sides of a comparison and blur the ratio.
    """
    env = {
        "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
        "RESPONSEMAP_ENV": "test",
        "RESPONSEMAP_VAR_DIR": str(var_dir),
        "RESPONSEMAP_KEY_DIR": str(var_dir / "keys"),
        "RESPONSEMAP_MASTER_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "TASKS_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
    }
    env["DATABASE_URL"] = database_url or f"sqlite:///{var_dir / 'bench.sqlite3'}"
    return env


def apply_bench_env(var_dir: Path | None, database_url: str | None) -> Path:
    """Put an isolated environment in ``os.environ`` (overriding what is there).

    Overriding matters: a developer's shell may point at ``var/`` or a real database.
    """
    if var_dir is None:
        var_dir = Path(tempfile.mkdtemp(prefix="responsemap-bench-"))
    var_dir.mkdir(parents=True, exist_ok=True)
    os.environ.update(bench_env(var_dir, database_url))
    return var_dir


def with_database(url: str, dbname: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{dbname}", parts.query, parts.fragment))


def recreate_postgres_database(admin_url: str, dbname: str = BENCH_DB_NAME) -> str:
    """Drop and create ``dbname``; return its URL. Raises if PostgreSQL is unreachable."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as conn:
        name = sql.Identifier(dbname)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
    return with_database(admin_url, dbname)


def drop_postgres_database(admin_url: str, dbname: str = BENCH_DB_NAME) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname))
        )
