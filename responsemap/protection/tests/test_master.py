"""The master key is kept apart and never printed (issue 9, point 5).

On the embedded default it lives in ``<var>-master/master_key`` (file 0600, directory
0700), not beside the database and the key directory; it is not a Django setting, so
``diffsettings`` and a technical error page can't show it; production refuses to start
without one.
"""

from __future__ import annotations

import base64
import os
import secrets
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import path

from responsemap.protection import master

ROOT = Path(__file__).resolve().parents[3]


def _fails_after_reading_the_key(request: HttpRequest) -> HttpResponse:
    master.master_key()
    raise RuntimeError("a fault after the master key was read")


urlpatterns = [path("fails/", _fails_after_reading_the_key)]


def mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


@pytest.fixture
def fresh_master(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No master key in the environment, and none read yet; the suite's own key is read
    again afterwards."""
    monkeypatch.delenv("RESPONSEMAP_MASTER_KEY", raising=False)
    monkeypatch.delenv("RESPONSEMAP_MASTER_KEY_FILE", raising=False)
    master.master_key.cache_clear()
    yield
    master.master_key.cache_clear()


def test_a_fresh_var_dir_gets_its_master_key_in_a_directory_of_its_own(
    fresh_master: None, tmp_path: Path
) -> None:
    var, kept = tmp_path / "var", tmp_path / "var-master"
    var.mkdir()
    with override_settings(VAR_DIR=var, RESPONSEMAP_MASTER_KEY_DIR=kept):
        key = master.master_key()
    assert len(key) == 32
    assert (mode(kept), mode(kept / "master_key")) == (0o700, 0o600)
    assert base64.b64decode((kept / "master_key").read_text()) == key
    assert not (var / "master_key").exists()


def test_an_old_master_key_beside_the_database_is_moved_apart(
    fresh_master: None, tmp_path: Path
) -> None:
    var, kept = tmp_path / "var", tmp_path / "var-master"
    var.mkdir()
    old = base64.b64encode(secrets.token_bytes(32)).decode()
    (var / "master_key").write_text(old + "\n")
    with override_settings(VAR_DIR=var, RESPONSEMAP_MASTER_KEY_DIR=kept):
        key = master.master_key()
    assert key == base64.b64decode(old)  # the same key: every project key still opens
    assert not (var / "master_key").exists()
    assert (kept / "master_key").read_text().strip() == old
    assert mode(kept) == 0o700


def test_production_without_a_master_key_refuses(fresh_master: None, tmp_path: Path) -> None:
    with (
        override_settings(PRODUCTION=True, RESPONSEMAP_MASTER_KEY_DIR=tmp_path / "m"),
        pytest.raises(ImproperlyConfigured, match="RESPONSEMAP_MASTER_KEY"),
    ):
        master.master_key()
    assert not (tmp_path / "m").exists()  # nothing invented in production


def test_the_master_key_is_no_setting() -> None:
    names = [name for name in dir(settings) if "MASTER" in name]
    assert names == ["RESPONSEMAP_MASTER_KEY_DIR"]


def test_diffsettings_does_not_print_the_master_key(tmp_path: Path) -> None:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("RESPONSEMAP_", "DJANGO_"))}
    keep.pop("DATABASE_URL", None)
    env = {**keep, "DJANGO_SETTINGS_MODULE": "responsemap.settings"}
    env["RESPONSEMAP_VAR_DIR"] = str(tmp_path / "var")
    # The embedded default: the key is made on first use, then diffsettings is run.
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", "from responsemap.protection.master "
         "import master_key; master_key()"],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip
    made = (tmp_path / "var-master" / "master_key").read_text().strip()
    # And given by the environment.
    given = base64.b64encode(secrets.token_bytes(32)).decode()
    for extra, key in (({}, made), ({"RESPONSEMAP_MASTER_KEY": given}, given)):
        out = subprocess.run(
            [sys.executable, "manage.py", "diffsettings", "--all"],
            cwd=ROOT,
            env={**env, **extra},
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        assert "RESPONSEMAP_MASTER_KEY_DIR" in out
        assert key not in out
        assert key[:16] not in out


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__, DEBUG=True)
def test_a_technical_error_page_does_not_show_the_master_key() -> None:
    """Developer mode's error page lists settings and the request's environment (the
    development server passes the process's environment in it): neither holds the key."""
    given = os.environ["RESPONSEMAP_MASTER_KEY"]  # the suite's key (test_settings)
    response = Client(raise_request_exception=False).get(
        "/fails/", RESPONSEMAP_MASTER_KEY=given, HTTP_ACCEPT="text/html"
    )
    assert response.status_code == 500
    page = response.content.decode()
    assert "a fault after the master key was read" in page  # it is the technical page
    assert given not in page
    assert repr(master.master_key())[2:20] not in page


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__, DEBUG=True)
def test_a_fault_while_reading_the_key_shows_none_of_it_in_developer_mode(
    fresh_master: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The error page lists each frame's local values; the master key's frames are
    hidden (``sensitive_variables``)."""
    given = base64.b64encode(secrets.token_bytes(32)).decode()
    monkeypatch.setenv("RESPONSEMAP_MASTER_KEY", given)

    def broken(value: str) -> bytes:
        raise RuntimeError("an unforeseen fault while decoding")

    monkeypatch.setattr(master, "decode_master_key", broken)
    response = Client(raise_request_exception=False).get("/fails/", HTTP_ACCEPT="text/html")
    assert response.status_code == 500
    page = response.content.decode()
    assert "an unforeseen fault while decoding" in page  # it is the technical page
    assert given not in page
