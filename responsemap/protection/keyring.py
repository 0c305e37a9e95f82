"""Project keys in use: sealing, opening and blind indexes.

Only this package decrypts (ARCHITECTURE.md, chokepoint 4). Keys are cached in the
process for ``CACHE_SECONDS`` so a page of records costs one key-file read. A cached key
is checked against the key store's tombstone at most every ``RECHECK_SECONDS`` (a stat
of one file for the directory store), so after a shred every process drops its copy
within that time, the shredding process at once; entries past ``CACHE_SECONDS`` are
dropped at the next use of the keyring, so no key lingers in an idle process's cache
(docs/adr/0001-per-project-keys.md, docs/destruction.md).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass, field
from functools import cache
from typing import cast

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.utils.module_loading import import_string

from responsemap.lib import clock
from responsemap.protection.keystore import (
    DirectoryKeyProvider,
    KeyDestroyed,
    KeyProvider,
    KeyUnavailable,
)
from responsemap.protection.master import master_key

FORMAT = 1
CACHE_SECONDS = 30.0
RECHECK_SECONDS = 0.5
__all__ = ["DecryptionError", "KeyDestroyed", "KeyUnavailable"]


class DecryptionError(Exception):
    """A value does not open: wrong row or project, altered, or its key destroyed."""


def _derive(key: bytes, purpose: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(key)


@dataclass
class ProjectKeys:
    versions: dict[int, bytes]
    loaded_at: float
    checked_at: float = 0.0
    _aead: dict[int, AESGCM] = field(default_factory=dict)
    _index_key: bytes = b""
    _token_key: bytes = b""

    @property
    def current(self) -> int:
        return max(self.versions)

    def aead(self, version: int) -> AESGCM:
        if version not in self._aead:
            self._aead[version] = AESGCM(_derive(self.versions[version], "responsemap/seal"))
        return self._aead[version]

    @property
    def index_key(self) -> bytes:
        # Always the first version: blind indexes must stay comparable across rotations.
        if not self._index_key:
            self._index_key = _derive(self.versions[min(self.versions)], "responsemap/blind-index")
        return self._index_key

    @property
    def token_key(self) -> bytes:
        # The search-token index (protection.tokens): first version too, so a rotation
        # does not make every record unsearchable until it is indexed again.
        if not self._token_key:
            self._token_key = _derive(self.versions[min(self.versions)], "responsemap/search-token")
        return self._token_key


class Keyring:
    def __init__(self, provider: KeyProvider) -> None:
        self.provider = provider
        self._cache: dict[str, ProjectKeys] = {}
        self._lock = threading.Lock()

    def keys(self, project_id: object) -> ProjectKeys:
        pid = str(project_id)
        now = clock.monotonic()
        cached = self._cache.get(pid)
        if cached is not None and now - cached.loaded_at < CACHE_SECONDS:
            if now - cached.checked_at < RECHECK_SECONDS:
                return cached
            if not self._destroyed(pid):
                cached.checked_at = now
                return cached
        self._drop_stale(now)
        keys = ProjectKeys(versions=self.provider.load(pid), loaded_at=now, checked_at=now)
        with self._lock:
            self._cache[pid] = keys
        return keys

    def _destroyed(self, pid: str) -> bool:
        """Whether the store says the key was destroyed (another process shredded it):
        the cached copy is dropped. A store that can't tell keeps the copy until it
        expires (``CACHE_SECONDS``)."""
        check = getattr(self.provider, "is_destroyed", None)
        if check is None or not check(pid):
            return False
        self.forget(pid)
        return True

    def _drop_stale(self, now: float) -> None:
        with self._lock:
            for pid in [p for p, k in self._cache.items() if now - k.loaded_at >= CACHE_SECONDS]:
                del self._cache[pid]

    def cached(self) -> list[str]:
        """The projects whose keys this process holds in memory now (tests, the bench)."""
        return list(self._cache)

    def forget(self, project_id: object) -> None:
        with self._lock:
            self._cache.pop(str(project_id), None)

    def create(self, project_id: object) -> None:
        self.provider.create(str(project_id))
        self.forget(project_id)

    def rotate(self, project_id: object) -> int:
        version = self.provider.add_version(str(project_id))
        self.forget(project_id)
        return version

    def destroy(self, project_id: object) -> None:
        self.forget(project_id)
        self.provider.destroy(str(project_id))


@cache
def get_keyring() -> Keyring:
    provider_class = import_string(settings.RESPONSEMAP_KEY_PROVIDER)
    if provider_class is DirectoryKeyProvider:
        provider: KeyProvider = DirectoryKeyProvider(settings.RESPONSEMAP_KEY_DIR, master_key())
    else:
        provider = cast(KeyProvider, provider_class())
    return Keyring(provider)


def seal(project_id: object, binding: bytes, plaintext: str) -> bytes:
    """Encrypt ``plaintext`` under the project's current key, bound to ``binding``."""
    keys = get_keyring().keys(project_id)
    version = keys.current
    nonce = secrets.token_bytes(12)
    body = keys.aead(version).encrypt(nonce, plaintext.encode(), binding)
    return bytes([FORMAT]) + version.to_bytes(4, "big") + nonce + body


def unseal(project_id: object, binding: bytes, token: bytes) -> str:
    if len(token) < 1 + 4 + 12 + 16 or token[0] != FORMAT:
        raise DecryptionError("not a sealed value of a known format")
    version = int.from_bytes(token[1:5], "big")
    try:
        keys = get_keyring().keys(project_id)
    except KeyDestroyed as exc:
        raise DecryptionError(
            f"the key of project {project_id} was destroyed; this value can't be opened"
        ) from exc
    if version not in keys.versions:
        raise DecryptionError(f"key version {version} of project {project_id} is not held")
    try:
        plain = keys.aead(version).decrypt(token[5:17], token[17:], binding)
    except InvalidTag as exc:
        raise DecryptionError(
            "the value does not open here: it belongs to another row, field or project, "
            "or it was altered"
        ) from exc
    return plain.decode()


def blind_index(project_id: object, purpose: str, normalised_value: str) -> str:
    """Keyed HMAC for equality lookups on an encrypted value (e.g. a phone number).

    The caller normalises first (E.164 for phones) so equal values index equally.
    """
    key = get_keyring().keys(project_id).index_key
    return hmac.new(key, f"{purpose}\x00{normalised_value}".encode(), hashlib.sha256).hexdigest()


def key_fingerprint(project_id: object) -> str:
    """A name for the project's key that reveals nothing of it (HKDF of the first
    version, purpose ``responsemap/key-id``, 16 bytes in hex): the destruction
    certificate says which key was destroyed."""
    keys = get_keyring().keys(project_id)
    return _derive(keys.versions[min(keys.versions)], "responsemap/key-id")[:16].hex()


@dataclass(frozen=True)
class ShredReceipt:
    """What was destroyed: the key's id (the project's UUID), its fingerprint and how
    many versions it had (both empty when the key was already gone: a resumed run)."""

    key_id: str
    fingerprint: str
    versions: int


def crypto_shred_project(project_id: object) -> ShredReceipt:
    """Destroy the project's key: every value sealed under it becomes unreadable.

    That includes every backup and copy of the database. Other projects' keys are
    untouched. This process forgets the key at once, every other within
    ``RECHECK_SECONDS``. Idempotent: a key already destroyed is destroyed again (the
    tombstone stays). The caller (``projects.destruction``) audits and purges rows.
    """
    keyring = get_keyring()
    try:
        fingerprint = key_fingerprint(project_id)
        versions = len(keyring.keys(project_id).versions)
    except KeyDestroyed:
        fingerprint, versions = "", 0
    keyring.destroy(project_id)
    return ShredReceipt(str(project_id), fingerprint, versions)
