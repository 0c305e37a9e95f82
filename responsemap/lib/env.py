"""Strict readers for settings that come from the environment.

A secret may be given directly (``NAME``) or as a path to a file holding it
(``NAME_FILE``), the form container orchestrators and systemd credentials use.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name, "")
    items = [item.strip() for item in raw.split(",") if item.strip()]
    return items or list(default or [])


def env_secret(name: str) -> str | None:
    """Return the secret ``name`` from the environment or from ``name_FILE``."""
    direct = os.environ.get(name, "").strip()
    path = os.environ.get(f"{name}_FILE", "").strip()
    if direct and path:
        raise ImproperlyConfigured(f"set either {name} or {name}_FILE, not both")
    if path:
        try:
            return Path(path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={path} cannot be read: {exc}") from exc
    return direct or None


def local_secret(path: Path, make: Callable[[], str]) -> str:
    """Read a development secret from ``path``, creating it (mode 0600) on first use.

    Only the embedded default uses this; production refuses to start without
    real secrets (see settings.py).
    """
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    value = make()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    return value


def private_directory(path: Path) -> Path:
    """Make ``path`` (and its missing parents) a directory only its owner can enter (0700).

    A directory this process creates is made 0700; an existing one is tightened to 0700
    only if it is the one holding private files (the caller's choice), never its parents.
    """
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o700)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty and owner-only (0600) if it is missing; tighten it to 0600
    if it exists with group or other access. For the SQLite database: SQLite creates its
    ``-wal`` and ``-shm`` files with the database file's mode, so they follow."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for each in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            if each.exists() and each.stat().st_mode & 0o077:
                os.chmod(each, 0o600)
    else:
        os.close(fd)
    return path
