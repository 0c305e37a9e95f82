"""Staff members' own personal data, sealed under the staff key: a mobile number for
SMS alerts (``accounts.StaffPhone``), and the one-time codes that prove it is theirs.

Why a key of its own (docs/adr/0013-staff-key.md): a staff phone belongs to a person,
not to one project, so no project key fits it (a project's destruction must not take a
staff member's number of another project with it, and no project's member should hold
the key to it). The staff key is derived from the master key (HKDF, purpose
``responsemap/staff-data``), like the audit chain's key: never in the database, present
in every process that has the master key, with no key file to create (no first-use race
between processes). A dump of the database opens nothing of it.

Sealed like a project's values: AES-256-GCM, bound to (kind, row) as associated data,
so a sealed number can't be moved to another row. Opened only here, for a fixed system
purpose (``SystemPurpose``), each open counted in the system chain (``system.open``,
``protection.system_opens``), never for showing: a person sees the mask kept beside it.

One-time codes are stored as a keyed HMAC (``code_digest``), so a database reader can't
try the million six-digit codes against it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from responsemap.protection.keyring import DecryptionError
from responsemap.protection.master import master_key
from responsemap.protection.system_opens import SystemPurpose, check_purpose, count_open

FORMAT = 1
CODE_DIGITS = 6


def _derive(purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(master_key())


@cache
def _aead() -> AESGCM:
    return AESGCM(_derive(b"responsemap/staff-data"))


@cache
def _code_key() -> bytes:
    return _derive(b"responsemap/staff-code")


def _binding(kind: str, row_id: object) -> bytes:
    return f"staff|{kind}|{row_id}".encode()


def seal_staff_value(kind: str, row_id: object, plaintext: str) -> bytes:
    """Seal a staff member's value (``kind``: what it is, e.g. ``staffphone.number``)
    for the row ``row_id``."""
    nonce = secrets.token_bytes(12)
    body = _aead().encrypt(nonce, plaintext.encode(), _binding(kind, row_id))
    return bytes([FORMAT]) + nonce + body


def open_staff_value(
    kind: str, row_id: object, token: bytes, *, purpose: SystemPurpose | str
) -> str:
    """Open a sealed staff value for a system task (addressing an alert or a code):
    counted in the system chain under ``purpose``; ``DecryptionError`` if it does not
    open here (another row, altered, another master key)."""
    checked = check_purpose(purpose)
    token = bytes(token)
    if len(token) < 1 + 12 + 16 or token[0] != FORMAT:
        raise DecryptionError("not a sealed staff value of a known format")
    try:
        plain = _aead().decrypt(token[1:13], token[13:], _binding(kind, row_id))
    except InvalidTag as exc:
        raise DecryptionError("the staff value does not open here") from exc
    count_open(None, checked, kind)
    return plain.decode()


def new_code() -> str:
    """A random one-time code of ``CODE_DIGITS`` digits."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def code_digest(kind: str, row_id: object, code: str) -> str:
    """The keyed HMAC a one-time code is kept as (bound to its row)."""
    message = b"\x00".join([_binding(kind, row_id), code.strip().encode()])
    return hmac.new(_code_key(), message, hashlib.sha256).hexdigest()


def code_matches(kind: str, row_id: object, code: str, digest: str) -> bool:
    return bool(digest) and hmac.compare_digest(code_digest(kind, row_id, code), digest)
