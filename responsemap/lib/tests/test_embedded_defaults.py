"""The embedded default is safe as it comes: DEBUG off, the database and var/ private,
styles still served, plain error pages (issue 9, point 5)."""

from __future__ import annotations

import os
import runpy
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.test import Client, override_settings
from django.urls import include, path

from responsemap.lib.env import private_directory, private_file

ROOT = Path(__file__).resolve().parents[3]


def _boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a fault in a view")


# The URLs of the error-page tests: the product's own, plus one view that fails.
urlpatterns = [path("boom/", _boom), path("", include("responsemap.urls"))]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def embedded_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a fresh embedded default: no settings at all but where var/ is."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("RESPONSEMAP_", "DJANGO_"))}
    for name in ("DATABASE_URL", "DEBUG", "ALLOWED_HOSTS"):
        keep.pop(name, None)
    return {
        **keep,
        "DJANGO_SETTINGS_MODULE": "responsemap.settings",
        "RESPONSEMAP_VAR_DIR": str(var_dir),
        **extra,
    }


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )


def settings_for(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **env: str) -> dict[str, Any]:
    for name in ("DEBUG", "RESPONSEMAP_ENV", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RESPONSEMAP_VAR_DIR", str(tmp_path / "var"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "responsemap" / "settings.py"))


def test_debug_is_off_unless_asked_for(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No environment at all (``make run``) is DEBUG off; developer mode is an opt-in."""
    assert settings_for(monkeypatch, tmp_path)["DEBUG"] is False
    assert settings_for(monkeypatch, tmp_path, RESPONSEMAP_ENV="development")["DEBUG"] is False
    assert settings_for(monkeypatch, tmp_path, DEBUG="true")["DEBUG"] is True


def test_embedded_default_still_answers_on_loopback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    values = settings_for(monkeypatch, tmp_path)
    assert {"127.0.0.1", "localhost"} <= set(values["ALLOWED_HOSTS"])
    assert values["WHITENOISE_USE_FINDERS"] is True
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in values["MIDDLEWARE"]


def test_a_fresh_migrate_leaves_the_database_and_var_private(tmp_path: Path) -> None:
    var = tmp_path / "var"
    env = embedded_env(var)
    manage(env, "migrate", "--noinput")
    database = var / "responsemap.sqlite3"
    assert (mode(var), mode(database)) == (0o700, 0o600)
    assert mode(var / "secret_key") == 0o600
    # While a connection is open (WAL mode), the -wal and -shm files exist: 0600 too.
    shell = (
        "from django.db import connection\n"
        "import os, stat\n"
        "with connection.cursor() as cursor:\n"
        "    cursor.execute('CREATE TABLE IF NOT EXISTS probe (x int)')\n"
        "    cursor.execute('INSERT INTO probe VALUES (1)')\n"
        "    names = [connection.settings_dict['NAME'] + s for s in ('-wal', '-shm')]\n"
        "    print([oct(stat.S_IMODE(os.stat(n).st_mode)) for n in names])\n"
    )
    out = manage(env, "shell", "-c", shell).stdout
    assert out.strip().splitlines()[-1] == "['0o600', '0o600']"


def test_an_existing_world_readable_database_is_tightened(tmp_path: Path) -> None:
    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    os.chmod(var, 0o755)  # noqa: S103 (the loose mode being tightened)
    database = var / "responsemap.sqlite3"
    database.write_bytes(b"")
    os.chmod(database, 0o644)
    wal = var / "responsemap.sqlite3-wal"
    wal.write_bytes(b"")
    os.chmod(wal, 0o644)
    private_directory(var)
    private_file(database)
    assert (mode(var), mode(database), mode(wal)) == (0o700, 0o600, 0o600)


def test_private_file_creates_an_empty_owner_only_file(tmp_path: Path) -> None:
    made = private_file(tmp_path / "new.sqlite3")
    assert made.read_bytes() == b""
    assert mode(made) == 0o600


def test_styles_are_served_with_debug_off(client: Client, settings: Any) -> None:
    """The development server serves no static files with DEBUG off: WhiteNoise does."""
    assert settings.DEBUG is False
    response = client.get("/static/responsemap/app.css")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_a_missing_page_is_the_products_plain_404() -> None:
    response = Client().get("/nowhere/")
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert b"app.css" in response.content  # in the product's layout
    assert b"Traceback" not in response.content
    assert b"URLconf" not in response.content


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_a_fault_is_the_products_plain_500_and_needs_no_database() -> None:
    """No ``db`` fixture: any query would fail the test (500.html needs no database)."""
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    assert b"Something went wrong" in response.content
    assert b"a fault in a view" not in response.content
    assert b"Traceback" not in response.content
    page = render_to_string("500.html")
    assert "Something went wrong" in page
