"""Where project keys live: outside the database, wrapped by a master key.

Design (docs/adr/0001-per-project-keys.md):
- Each project has a 256-bit data key. The database never holds it, so a database
  dump or backup alone opens nothing.
- ``DirectoryKeyProvider`` keeps one file per project in ``RESPONSEMAP_KEY_DIR``; each
  key version is wrapped (AES-256-GCM) by the master key, bound to the project id and
  version so a wrapped key can't be moved to another project's file.
- A KMS or Vault transit key can replace it: implement ``KeyProvider`` and name the
  class in ``RESPONSEMAP_KEY_PROVIDER``.
- ``destroy`` is crypto-shredding: the file is overwritten, removed, and a tombstone
  left so later reads fail with "destroyed" rather than "missing".
- Every fault in reading a key — the directory or file missing or unreadable, a file
  that is not JSON or not base64, a wrapped key altered, a wrong master key — is
  ``KeyUnavailable``, never a ValueError: callers tell a fault on the server's side
  (webhooks answer 503 so the gateway retries; staff get an error page) from bad input.
  Its message is for the operator and carries no key material. ``KeyDestroyed`` is the
  one final case: the key was destroyed on purpose.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32


class KeyUnavailable(Exception):
    """A project key can't be had now: a fault for the operator to fix (missing or
    unreadable key directory or file, damaged file, wrong or unreadable master key).
    The message names the project and the fault, never key material."""


class KeyDestroyed(KeyUnavailable):
    """The project's key was destroyed on purpose (crypto-shredding): final, not a fault."""


class KeyProvider(Protocol):
    def create(self, project_id: str) -> None: ...

    def load(self, project_id: str) -> dict[int, bytes]:
        """Return every key version of the project, newest highest. Any fault in getting
        them raises ``KeyUnavailable`` (``KeyDestroyed`` once destroyed), nothing else."""
        ...

    def add_version(self, project_id: str) -> int: ...

    def destroy(self, project_id: str) -> None: ...

    # Optional: ``is_destroyed(project_id) -> bool``, cheap (the keyring asks it every
    # ``keyring.RECHECK_SECONDS`` for each key it caches, so every process drops a
    # destroyed key within that time).


def decode_master_key(value: str) -> bytes:
    try:
        raw = base64.b64decode(value, validate=True)
    except ValueError as exc:
        raise ValueError("the master key must be base64 (32 random bytes)") from exc
    if len(raw) != KEY_BYTES:
        raise ValueError("the master key must decode to 32 bytes")
    return raw


class DirectoryKeyProvider:
    def __init__(self, directory: Path, master_key: bytes) -> None:
        self.directory = Path(directory)
        self._master = AESGCM(master_key)

    def _path(self, project_id: str) -> Path:
        return self.directory / f"{project_id}.key"

    def _tombstone(self, project_id: str) -> Path:
        return self.directory / f"{project_id}.destroyed"

    def _wrap(self, project_id: str, version: int, key: bytes) -> str:
        nonce = secrets.token_bytes(12)
        sealed = self._master.encrypt(nonce, key, f"{project_id}:{version}".encode())
        return base64.b64encode(nonce + sealed).decode()

    def _unwrap(self, project_id: str, version: int, blob: str) -> bytes:
        damaged = f"the key file of project {project_id} is damaged (version {version})"
        try:
            raw = base64.b64decode(blob, validate=True)
        except (ValueError, TypeError):
            raise KeyUnavailable(f"{damaged}: not base64") from None
        if len(raw) != 12 + KEY_BYTES + 16:  # nonce, key, tag
            raise KeyUnavailable(f"{damaged}: wrong length") from None
        try:
            return self._master.decrypt(raw[:12], raw[12:], f"{project_id}:{version}".encode())
        except InvalidTag:
            raise KeyUnavailable(
                f"the key file of project {project_id} does not open with this master key "
                "(a wrong master key, or the file was altered)"
            ) from None

    def _read(self, project_id: str) -> dict[str, str]:
        path = self._path(project_id)
        try:
            text = path.read_text()
        except FileNotFoundError:
            raise self._missing(project_id) from None
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not text"
            raise KeyUnavailable(
                f"the key file of project {project_id} can't be read: {reason}"
            ) from None
        try:
            versions = json.loads(text)["versions"]
            if not isinstance(versions, dict) or not versions:
                raise ValueError
            return {str(int(version)): str(blob) for version, blob in versions.items()}
        except (ValueError, KeyError, TypeError, RecursionError):
            raise KeyUnavailable(
                f"the key file of project {project_id} is damaged: not a key file"
            ) from None

    def _missing(self, project_id: str) -> KeyUnavailable:
        try:
            if self._tombstone(project_id).exists():
                return KeyDestroyed(f"the key of project {project_id} was destroyed")
            if not self.directory.is_dir():
                return KeyUnavailable(f"the key directory {self.directory} is missing")
        except OSError as exc:
            return KeyUnavailable(
                f"the key directory {self.directory} can't be read: {exc.strerror}"
            )
        return KeyUnavailable(f"no key for project {project_id} in {self.directory}")

    def _write(self, project_id: str, versions: dict[str, str]) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            tmp = self.directory / f".{project_id}.{secrets.token_hex(4)}.tmp"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                json.dump({"project": project_id, "versions": versions}, handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self._path(project_id))
        except OSError as exc:
            raise KeyUnavailable(
                f"the key file of project {project_id} can't be written: {exc.strerror}"
            ) from None

    def create(self, project_id: str) -> None:
        if self._path(project_id).exists() or self._tombstone(project_id).exists():
            raise FileExistsError(f"project {project_id} already has (or had) a key")
        self._write(project_id, {"1": self._wrap(project_id, 1, secrets.token_bytes(KEY_BYTES))})

    def load(self, project_id: str) -> dict[int, bytes]:
        """Every key version; ``KeyUnavailable`` (or ``KeyDestroyed``) if they can't be had."""
        return {
            int(version): self._unwrap(project_id, int(version), blob)
            for version, blob in self._read(project_id).items()
        }

    def add_version(self, project_id: str) -> int:
        versions = self._read(project_id)
        new = max(int(v) for v in versions) + 1
        versions[str(new)] = self._wrap(project_id, new, secrets.token_bytes(KEY_BYTES))
        self._write(project_id, versions)
        return new

    def is_destroyed(self, project_id: str) -> bool:
        try:
            return self._tombstone(project_id).exists()
        except OSError:
            return False

    def destroy(self, project_id: str) -> None:
        path = self._path(project_id)
        self._tombstone(project_id).write_text("destroyed\n")
        if path.exists():
            size = path.stat().st_size
            with open(path, "r+b") as handle:
                handle.write(secrets.token_bytes(size))
                handle.flush()
                os.fsync(handle.fileno())
            path.unlink()
