from __future__ import annotations

import base64
import os
import runpy
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

ROOT = Path(__file__).resolve().parents[3]


def run_check(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("RESPONSEMAP_", "DJANGO_"))}
    clean.pop("ALLOWED_HOSTS", None)
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "responsemap.settings", **env},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    "missing", ["DJANGO_SECRET_KEY", "RESPONSEMAP_MASTER_KEY", "ALLOWED_HOSTS"]
)
def test_production_refuses_to_start_without_real_secrets(tmp_path: Path, missing: str) -> None:
    env = production_env(tmp_path)
    del env[missing]
    result = run_check(env)
    assert result.returncode != 0
    assert missing in result.stderr


def test_production_check_deploy_is_clean(tmp_path: Path) -> None:
    result = run_check(production_env(tmp_path), "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_secrets_can_come_from_files(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    secret_file = tmp_path / "secret"
    secret_file.write_text(env.pop("DJANGO_SECRET_KEY"))
    env["DJANGO_SECRET_KEY_FILE"] = str(secret_file)
    assert run_check(env).returncode == 0


def production_env(tmp_path: Path) -> dict[str, str]:
    return {
        "RESPONSEMAP_ENV": "production",
        "RESPONSEMAP_VAR_DIR": str(tmp_path),
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
        "RESPONSEMAP_MASTER_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "ALLOWED_HOSTS": "feedback.example.org",
    }


@pytest.mark.parametrize(("switch", "threshold"), [(None, "0"), ("false", "None")])
def test_prepared_statements_on_postgresql_can_be_switched_off(
    switch: str | None, threshold: str
) -> None:
    """For a connection pooler that can't keep prepared statements (docs/deploy.md)."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_PREPARED_STATEMENTS"}
    env |= {"DATABASE_URL": "postgres://nobody@127.0.0.1:5432/nothing", "RESPONSEMAP_ENV": "test"}
    if switch is not None:
        env["DATABASE_PREPARED_STATEMENTS"] = switch
    code = (
        "from responsemap import settings; "
        "print(settings.DATABASES['default'].get('OPTIONS', {}).get('prepare_threshold'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == threshold


def settings_with(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **env: str) -> dict[str, Any]:
    """The settings module's values for this environment, read afresh (not django.conf)."""
    for name in [n for n in os.environ if n.startswith(("EMAIL_", "DEFAULT_FROM_EMAIL"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("RESPONSEMAP_ENV", "test")
    monkeypatch.setenv("RESPONSEMAP_VAR_DIR", str(tmp_path))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "responsemap" / "settings.py"))


def test_mail_goes_to_the_outbox_without_a_mail_server(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    values = settings_with(monkeypatch, tmp_path)
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
    assert values["EMAIL_FILE_PATH"] == tmp_path / "outbox"


def test_mail_goes_through_smtp_when_email_host_is_set(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    password_file = tmp_path / "smtp-password"
    password_file.write_text("smtp-secret\n")
    values = settings_with(
        monkeypatch,
        tmp_path,
        EMAIL_HOST="smtp.example.org",
        EMAIL_HOST_USER="relay",
        EMAIL_HOST_PASSWORD_FILE=str(password_file),
        DEFAULT_FROM_EMAIL="Feedback <feedback@example.org>",
    )
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (values["EMAIL_HOST"], values["EMAIL_PORT"]) == ("smtp.example.org", 587)
    assert values["EMAIL_USE_TLS"] is True
    assert (values["EMAIL_HOST_USER"], values["EMAIL_HOST_PASSWORD"]) == ("relay", "smtp-secret")
    assert values["DEFAULT_FROM_EMAIL"] == "Feedback <feedback@example.org>"
    assert "EMAIL_FILE_PATH" not in values


def test_smtp_settings_are_read_strictly(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    values = settings_with(
        monkeypatch, tmp_path, EMAIL_HOST="smtp.example.org", EMAIL_USE_TLS="false"
    )
    assert (values["EMAIL_USE_TLS"], values["EMAIL_PORT"]) == (False, 25)
    with pytest.raises(ImproperlyConfigured, match="EMAIL_PORT"):
        settings_with(monkeypatch, tmp_path, EMAIL_HOST="smtp.example.org", EMAIL_PORT="smtp")


def test_persistent_connections_are_checked_before_reuse(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """After PostgreSQL restarts, a process reconnects instead of failing (tests/faults)."""
    values = settings_with(
        monkeypatch, tmp_path, DATABASE_URL="postgres://nobody@127.0.0.1:5432/nothing"
    )
    database = values["DATABASES"]["default"]
    assert (database["CONN_MAX_AGE"], database["CONN_HEALTH_CHECKS"]) == (60, True)
