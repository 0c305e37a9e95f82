"""Settings for the test suite: the real settings, with throwaway secrets and directories.

Everything goes under a fresh temporary directory (SQLite file, key directory), so
runs never touch ``var/`` and never share keys. ``DATABASE_URL`` still selects
PostgreSQL when set.
"""

from __future__ import annotations

import base64
import os
import secrets
import tempfile

os.environ.setdefault("RESPONSEMAP_ENV", "test")
os.environ.setdefault("RESPONSEMAP_VAR_DIR", tempfile.mkdtemp(prefix="responsemap-test-"))
os.environ.setdefault("RESPONSEMAP_MASTER_KEY", base64.b64encode(secrets.token_bytes(32)).decode())
os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
# No audit witness unless a test asks for one (protection/tests/test_audit_witness.py).
os.environ.setdefault("RESPONSEMAP_AUDIT_WITNESS", "off")
# Tests never migrate as an outside owner: the test database's owner is DATABASE_URL's role.
os.environ.pop("DATABASE_OWNER_URL", None)
os.environ.pop("DATABASE_OWNER_URL_FILE", None)

from responsemap.settings import *  # noqa: E402, F403
from responsemap.settings import DATABASES, TASK_QUEUES, VAR_DIR  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A real file (not :memory:) so tests can read what lands on disk.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
ACCOUNT_RATE_LIMITS = False  # type: ignore[assignment]
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "QUEUES": TASK_QUEUES,
    }
}
(VAR_DIR / "static").mkdir(parents=True, exist_ok=True)
# No persistent connections in tests: a live-server thread's idle connection would keep
# the PostgreSQL test database from being dropped at the end of the run.
DATABASES["default"]["CONN_MAX_AGE"] = 0
# CI's PostgreSQL leg: the test database is created and migrated by DATABASE_URL's role
# (the owner), which grants this role what the application gets, and the tests run as
# it (responsemap/testing_db.py; docs/deploy.md, "Database roles").
RESPONSEMAP_TEST_RUNTIME_ROLE = (
    os.environ.get("RESPONSEMAP_TEST_RUNTIME_ROLE", "")
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    else ""
)
DATABASE_APP_ROLE = RESPONSEMAP_TEST_RUNTIME_ROLE
# Suggestions at birth raise urgent records and add queries to each batch: off for the
# suite, whose birth tests pin query counts and sensitivity; the suggestions' own tests
# turn it on (responsemap/triage/suggestions/tests).
RESPONSEMAP_SUGGESTIONS_AT_BIRTH = False
