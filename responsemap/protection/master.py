"""The master key: where it comes from, kept out of Django's settings.

It wraps every project key and keys the audit log, so it is read here and nowhere
else, and never becomes a setting that ``diffsettings`` or an error page could print.

- ``RESPONSEMAP_MASTER_KEY`` or ``RESPONSEMAP_MASTER_KEY_FILE`` (production: required).
- Otherwise (the embedded default) ``<RESPONSEMAP_MASTER_KEY_DIR>/master_key``, created
  on first use in its own directory (mode 0700, file 0600), apart from the database and
  the key directory: the three must never share one backup (docs/keys.md).
"""

from __future__ import annotations

import base64
import os
import secrets
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.views.decorators.debug import sensitive_variables

from responsemap.lib.env import env_secret
from responsemap.protection.keystore import KeyUnavailable, decode_master_key

FILENAME = "master_key"


@cache
@sensitive_variables()  # developer mode's error page lists locals: never these
def master_key() -> bytes:
    """The 32-byte master key (read once per process; a failed read is tried again at
    the next use). A key that can't be read or decoded is ``KeyUnavailable``, a fault
    for the operator, never a ValueError that a caller could take for bad input."""
    try:
        value = env_secret("RESPONSEMAP_MASTER_KEY")
    except ImproperlyConfigured as exc:  # the _FILE can't be read
        raise KeyUnavailable(str(exc)) from None
    if not value:
        if settings.PRODUCTION:
            raise ImproperlyConfigured(
                "RESPONSEMAP_MASTER_KEY (or RESPONSEMAP_MASTER_KEY_FILE) is required in production"
            )
        try:
            value = _local(Path(settings.RESPONSEMAP_MASTER_KEY_DIR))
        except (OSError, UnicodeDecodeError) as exc:
            raise KeyUnavailable(f"the master key file can't be read: {exc}") from None
    try:
        return decode_master_key(value)
    except ValueError as exc:
        raise KeyUnavailable(str(exc)) from None


@sensitive_variables()
def _local(directory: Path) -> str:
    path = directory / FILENAME
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(directory, 0o700)
        legacy = Path(settings.VAR_DIR) / FILENAME  # where it sat beside the database
        if legacy.exists():
            os.replace(legacy, path)
        else:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(base64.b64encode(secrets.token_bytes(32)).decode() + "\n")
    return path.read_text().strip()
