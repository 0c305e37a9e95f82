"""Front-end files the pages load, fetched from the npm registry at set-up time.

``package.json`` pins each library and says, under ``"vendor"``, which files of its
package go where (a static directory, ignored by git); ``package-lock.json`` holds each
package's integrity hash, checked before anything is unpacked. Only the Python standard
library is used: a fresh machine needs no Node.js or npm. ``npm ci`` would fetch the
same tarballs. Nothing is loaded from a CDN at run time (the app works offline).

    python3 deploy/vendor.py          # fetch what is missing or changed
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import sys
import tarfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = os.environ.get("NPM_CONFIG_REGISTRY", "https://registry.npmjs.org/").rstrip("/")


def tarball_url(name: str, version: str) -> str:
    base = name.rsplit("/", 1)[-1]  # a scoped package's tarball is named without its scope
    return f"{REGISTRY}/{name}/-/{base}-{version}.tgz"


def check_integrity(data: bytes, integrity: str) -> None:
    algorithm, _, expected = integrity.partition("-")
    digest = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if digest != expected:
        raise SystemExit(f"vendor: integrity check failed for a download ({algorithm})")


def fetch(name: str, version: str, integrity: str) -> tarfile.TarFile:
    with urllib.request.urlopen(tarball_url(name, version), timeout=60) as response:  # noqa: S310
        data = response.read()
    check_integrity(data, integrity)
    return tarfile.open(fileobj=io.BytesIO(data), mode="r:gz")


def main() -> int:
    package = json.loads((ROOT / "package.json").read_text())
    lock = json.loads((ROOT / "package-lock.json").read_text())["packages"]
    stamp = ROOT / "node_modules" / ".vendor-stamp"
    pins = json.dumps([package, lock], sort_keys=True)
    for name, files in package.get("vendor", {}).items():
        pinned = lock[f"node_modules/{name}"]
        targets = {ROOT / dest / Path(src).name: src for src, dest in files.items()}
        if stamp.exists() and stamp.read_text() == pins and all(t.exists() for t in targets):
            continue
        print(f"vendor: {name} {pinned['version']}", flush=True)
        with fetch(name, pinned["version"], pinned["integrity"]) as archive:
            for target, src in targets.items():
                member = archive.extractfile(f"package/{src}")
                if member is None:
                    raise SystemExit(f"vendor: {src} is not in {name} {pinned['version']}")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(member.read())
    stamp.parent.mkdir(exist_ok=True)
    stamp.write_text(pins)
    return 0


if __name__ == "__main__":
    sys.exit(main())
