"""Ways a project's keys can fail to be read, for the fault tests of every path that
needs them (webhooks, staff pages): each breaks the keys of one project (or all of
them, for the master key) and puts everything back afterwards."""

from __future__ import annotations

import base64
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings

from responsemap.protection import audit, master
from responsemap.protection.keyring import get_keyring

# Every fault that must read as "keys unavailable" (503), never as bad input.
KEY_FAULTS = [
    "key directory missing",
    "key file missing",
    "key file not JSON",
    "key file not base64",
    "wrapped key corrupted",
    "wrong master key",
    "master key not base64",
    "master key file unreadable",
]


def forget_keys() -> None:
    """Drop every cached key and the master key: the next use reads them again."""
    get_keyring.cache_clear()
    master.master_key.cache_clear()
    audit_key = getattr(audit, "_audit_key", None)
    if audit_key is not None and hasattr(audit_key, "cache_clear"):
        audit_key.cache_clear()


@contextmanager
def broken_keys(fault: str, project_id: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    directory = Path(settings.RESPONSEMAP_KEY_DIR)
    key_file = directory / f"{project_id}.key"
    saved = key_file.read_bytes()
    aside = directory.with_name(directory.name + "-aside")
    try:
        with monkeypatch.context() as patch:
            if fault == "key directory missing":
                os.replace(directory, aside)
            elif fault == "key file missing":
                key_file.unlink()
            elif fault == "key file not JSON":
                key_file.write_text("{not json")
            elif fault == "key file not base64":
                key_file.write_text(json.dumps({"versions": {"1": "!!not base64!!"}}))
            elif fault == "wrapped key corrupted":
                data = json.loads(saved)
                blob = bytearray(base64.b64decode(data["versions"]["1"]))
                blob[20] ^= 0x01
                data["versions"]["1"] = base64.b64encode(bytes(blob)).decode()
                key_file.write_text(json.dumps(data))
            elif fault == "wrong master key":
                patch.setenv("RESPONSEMAP_MASTER_KEY", base64.b64encode(b"\x07" * 32).decode())
            elif fault == "master key not base64":
                patch.setenv("RESPONSEMAP_MASTER_KEY", "this is not base64!")
            elif fault == "master key file unreadable":
                patch.delenv("RESPONSEMAP_MASTER_KEY")
                patch.setenv("RESPONSEMAP_MASTER_KEY_FILE", str(directory / "no-such-master-key"))
            else:
                raise AssertionError(fault)
            forget_keys()
            yield
    finally:
        if aside.exists():
            if directory.exists():
                shutil.rmtree(directory)
            os.replace(aside, directory)
        key_file.write_bytes(saved)
        key_file.chmod(0o600)
        forget_keys()
