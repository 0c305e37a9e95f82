"""The witness: signed checkpoints of every audit chain's head, outside the database.

Why (ADR 0007): whoever can write the database can delete a chain's tail and put back an
older head row, MAC and all; nothing inside the database can tell. So the heads are
written, regularly, where the database cannot reach:

- ``RESPONSEMAP_AUDIT_WITNESS`` names the witness: a directory (the embedded default,
  ``<var>-witness/`` beside the var directory, mode 0700), where ``checkpoints.log`` is
  only ever opened for appending; or ``syslog:`` (``/dev/log``), ``syslog:/path/to/socket``
  or ``syslog:HOST:PORT`` (UDP) for production, so the lines land on another machine;
  or ``off``.
- Each line is JSON: its number ``n``, the hash of the line before (``prev``), the time,
  up to ``HEADS_PER_LINE`` heads ``[chain, seq, hash]``, and an HMAC (``sig``) under a
  key derived from the master key. The database keeps the witness's own position (the
  head row ``witness:<kind>``, MAC'd like a head), so a file cut short shows too.
- The worker's sweep writes heads that moved, at most every
  ``RESPONSEMAP_AUDIT_CHECKPOINT_SECONDS`` (``maybe_checkpoint``);
  ``manage.py audit_checkpoint`` writes all of them at once.
- ``verify_witness`` (run by ``manage.py verify_audit``) reads the file: a line whose
  signature fails, a line whose predecessor is gone, a file shorter than the database's
  mark, a chain whose head is behind its last checkpoint or whose event at that seq has
  another hash. A syslog witness is checked the same way from an exported file
  (``verify_audit --witness-file``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import logging.handlers
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import connection, transaction

from responsemap.lib import clock
from responsemap.protection.audit import (
    GENESIS,
    MARK_PREFIX,
    head_mac,
    lock_mark,
    move_mark,
)
from responsemap.protection.master import master_key
from responsemap.protection.models import AuditChainHead, AuditEvent

log = logging.getLogger(__name__)
FILENAME = "checkpoints.log"
HEADS_PER_LINE = 50
SYSLOG_IDENT = "responsemap-audit-witness: "
Head = tuple[str, int, str]


@cache
def _witness_key() -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"responsemap/audit-witness"
    ).derive(master_key())


class Witness(Protocol):
    @property
    def kind(self) -> str: ...

    def append(self, lines: Sequence[str]) -> None: ...


@dataclass(frozen=True)
class FileWitness:
    directory: Path
    kind: str = "file"

    @property
    def path(self) -> Path:
        return self.directory / FILENAME

    def append(self, lines: Sequence[str]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        if self.directory.stat().st_mode & 0o077:
            os.chmod(self.directory, 0o700)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, "".join(line + "\n" for line in lines).encode())
            os.fsync(fd)
        finally:
            os.close(fd)


@dataclass(frozen=True)
class SyslogWitness:
    address: str | tuple[str, int]
    kind: str = "syslog"

    def append(self, lines: Sequence[str]) -> None:
        handler = logging.handlers.SysLogHandler(address=self.address)
        handler.ident = SYSLOG_IDENT
        try:
            for line in lines:
                record = {"msg": line, "levelno": logging.INFO, "levelname": "INFO"}
                handler.emit(logging.makeLogRecord(record))
        finally:
            handler.close()


def configured_witness() -> Witness | None:
    """The witness ``RESPONSEMAP_AUDIT_WITNESS`` names, or None when it is ``off``."""
    value = str(settings.RESPONSEMAP_AUDIT_WITNESS).strip()
    if value.lower() == "off":
        return None
    if value.startswith("syslog:"):
        target = value.removeprefix("syslog:")
        if not target:
            return SyslogWitness("/dev/log")
        if target.startswith("/"):
            return SyslogWitness(target)
        host, _, port = target.rpartition(":")
        return SyslogWitness((host, int(port))) if host else SyslogWitness((port, 514))
    return FileWitness(Path(value))


def _mark(witness: Witness) -> str:
    return f"{MARK_PREFIX}{witness.kind}"


def _sign(body: dict[str, Any]) -> str:
    payload = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(_witness_key(), payload, hashlib.sha256).hexdigest()


def _line(n: int, prev: str, heads: Sequence[Head]) -> str:
    body: dict[str, Any] = {
        "v": 1,
        "n": n,
        "prev": prev,
        "at": clock.now().isoformat(),
        "heads": [list(head) for head in heads],
    }
    return json.dumps({**body, "sig": _sign(body)}, sort_keys=True, separators=(",", ":"))


def _line_hash(line: str) -> str:
    return hashlib.sha256(line.encode()).hexdigest()


class _Written:
    """What this process last witnessed, per witness kind: only heads that moved are
    written again (a cache: a fresh process writes every head once)."""

    heads: dict[str, dict[str, tuple[int, str]]] = {}  # noqa: RUF012
    last_run: float | None = None


def forget() -> None:
    """Drop this process's memory of what it witnessed (tests; a new witness)."""
    _Written.heads = {}
    _Written.last_run = None


def write_checkpoint(*, every_head: bool = False) -> int:
    """Witness the chain heads that moved since this process last did (``every_head``:
    all of them); returns how many heads were written. Heads whose MAC fails are left
    out (``verify_audit`` names them)."""
    witness = configured_witness()
    if witness is None:
        return 0
    written = _Written.heads.setdefault(witness.kind, {})
    mark = _mark(witness)
    with transaction.atomic(), connection.cursor() as cursor:
        n, prev = lock_mark(cursor, mark)
        heads: list[Head] = []
        rows = AuditChainHead.objects.exclude(chain__startswith=MARK_PREFIX).order_by("chain")
        for chain, seq, hash_, mac in rows.values_list("chain", "seq", "hash", "mac"):
            if seq == 0 or (not every_head and written.get(chain) == (seq, hash_)):
                continue
            if not hmac.compare_digest(head_mac(chain, seq, hash_), mac):
                log.error("audit chain %s: head fails its MAC, not witnessed", chain)
                continue
            heads.append((chain, seq, hash_))
        if not heads:
            return 0
        lines = []
        for start in range(0, len(heads), HEADS_PER_LINE):
            n += 1
            lines.append(_line(n, prev, heads[start : start + HEADS_PER_LINE]))
            prev = _line_hash(lines[-1])
        witness.append(lines)  # before the mark moves: the witness is never behind it
        move_mark(cursor, mark, n, prev)
    written.update({chain: (seq, hash_) for chain, seq, hash_ in heads})
    return len(heads)


def maybe_checkpoint() -> int:
    """``write_checkpoint`` if ``RESPONSEMAP_AUDIT_CHECKPOINT_SECONDS`` have passed since
    this process last did (the worker's sweep calls it). A witness that can't be written
    is logged, never fatal to the sweep."""
    now = clock.monotonic()
    interval = float(settings.RESPONSEMAP_AUDIT_CHECKPOINT_SECONDS)
    if _Written.last_run is not None and now - _Written.last_run < interval:
        return 0
    _Written.last_run = now
    try:
        return write_checkpoint()
    except OSError:
        log.exception("the audit witness could not be written")
        return 0


@dataclass(frozen=True)
class Checkpoint:
    line: int
    chain: str
    seq: int
    hash: str


@dataclass
class WitnessReport:
    problems: list[str]
    last: dict[str, Checkpoint]  # the latest checkpoint of each chain
    lines: int = 0

    @property
    def chains(self) -> dict[str, int]:
        return {chain: point.seq for chain, point in self.last.items()}


def witness_file() -> Path | None:
    witness = configured_witness()
    return witness.path if isinstance(witness, FileWitness) else None


def read_witness(path: Path) -> WitnessReport:
    """Check the lines of a witness file alone: signatures, and that each line follows
    one before it. Lines of another program (an exported syslog) are skipped."""
    report = WitnessReport([], {})
    seen = {GENESIS}
    for raw in _lines(path):
        report.lines += 1
        start = raw.find('{"')
        try:
            entry = json.loads(raw[start:].rstrip("\x00")) if start >= 0 else None
        except json.JSONDecodeError:
            entry = None
        if not isinstance(entry, dict) or "sig" not in entry:
            continue
        text = raw[start:].rstrip("\x00")  # a syslog datagram ends with a NUL
        sig = entry.pop("sig")
        if not hmac.compare_digest(_sign(entry), str(sig)):
            report.problems.append(
                f"FORGED witness line {report.lines}: its signature fails (edited?)"
            )
            continue
        if entry["prev"] not in seen:
            report.problems.append(
                f"GAP in the witness before its line {entry['n']}: the line it follows is "
                "gone (lines deleted?)"
            )
        seen.add(_line_hash(text))
        for chain, seq, hash_ in entry["heads"]:
            last = report.last.get(chain)
            if last is None or seq >= last.seq:
                report.last[chain] = Checkpoint(int(entry["n"]), chain, int(seq), str(hash_))
    report.problems += _mark_problems(seen, path)
    return report


def _lines(path: Path) -> Iterator[str]:
    if not path.exists():
        return
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if line.strip():
                yield line.rstrip("\n")


def _mark_problems(seen: set[str], path: Path) -> list[str]:
    """The database's record of the witness's last line must be in the file."""
    witness = configured_witness()
    kind = witness.kind if witness is not None else "file"
    mark = AuditChainHead.objects.filter(chain=f"{MARK_PREFIX}{kind}").first()
    if mark is None or mark.seq == 0:
        return []
    if not hmac.compare_digest(head_mac(mark.chain, mark.seq, mark.hash), mark.mac):
        return [f"TAMPERED witness mark in the database: it fails its MAC ({mark.chain})"]
    if mark.hash not in seen:
        return [
            f"SHORTENED witness {path}: the database says it holds line {mark.seq}, "
            "which is not there (cut short, or another file?)"
        ]
    return []


def verify_witness(path: Path | None = None, purged: set[str] | None = None) -> WitnessReport:
    """Compare the database with the witness file (the configured one by default)."""
    path = path or witness_file()
    if path is None:
        return WitnessReport([], {})
    report = read_witness(path)
    gone = {f"project:{project}" for project in purged or set()}
    for chain, point in sorted(report.last.items()):
        if chain in gone:
            continue
        head = AuditChainHead.objects.filter(chain=chain).values_list("seq", flat=True).first()
        at = AuditEvent.objects.filter(chain=chain, seq=point.seq)
        hashes = list(at.values_list("hash", flat=True))
        if head is None and not hashes:
            continue  # the whole chain is gone: verify_expected_chains names it
        if head is None or head < point.seq:
            report.problems.append(
                f"BEHIND {chain}: the database head is at {head or 0} events, the witness saw "
                f"{point.seq} (line {point.line}): events deleted and the head rewound"
            )
        elif hashes != [point.hash]:
            report.problems.append(
                f"REWRITTEN {chain}: event seq {point.seq} is not the one the witness saw "
                f"(line {point.line})"
            )
    return report
