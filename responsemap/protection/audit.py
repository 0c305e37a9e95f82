"""The audit log: append-only, hash-chained per project.

Design:
- Every event holds the chain's previous hash and an HMAC over its own content and
  that hash. The HMAC key is derived from the master key, which is not in the
  database, so an attacker who can write to the database can't forge a consistent
  chain.
- ``AuditChainHead`` keeps the last sequence number and hash, so a deleted tail shows.
- ``verify_chain`` recomputes everything and names the first bad event.
- Hot paths (every inbound message) write a *pending* event instead, sealed with its
  own HMAC, in the same statement as their change; ``sequence_pending`` (the worker's
  sweep) moves pending events into the chain within seconds, so a gateway's writers
  never queue on the head lock (ADR 0004).
- On PostgreSQL a trigger refuses UPDATE and DELETE (migrations 0002 and 0004). The one allowed
  removal is a destroyed project's chain, inside ``purge_project_chain``, which first
  records the chain's final hash in the system chain.
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import json
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from responsemap.lib import clock, rawsql
from responsemap.lib.context import current_request
from responsemap.protection.master import master_key
from responsemap.protection.models import AuditChainHead, AuditEvent, AuditListing, AuditPending
from responsemap.protection.viewer import ProjectId, Viewer

log = logging.getLogger(__name__)
SYSTEM_CHAIN = "system"
GENESIS = "0" * 64
HEAD_TABLE = AuditChainHead._meta.db_table


def chain_for(project_id: object | None) -> str:
    return SYSTEM_CHAIN if project_id is None else f"project:{project_id}"


@cache
def _audit_key() -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"responsemap/audit-chain"
    ).derive(master_key())


def _content(event: AuditEvent | AuditPending) -> dict[str, Any]:
    return {
        "chain": event.chain,
        "project": str(event.project_id) if event.project_id else None,
        "at": event.created_at.isoformat(),
        "actor": event.actor_id,
        "actor_label": event.actor_label,
        "role": event.role,
        "action": event.action,
        "object": [event.object_type, event.object_id],
        "fields": list(event.fields),
        "reason": event.reason,
        "purpose": event.purpose,
        "request": event.request_id,
        "ip": event.client_ip,
    }


def _mac(content: dict[str, Any]) -> str:
    payload = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hmac.new(_audit_key(), payload.encode(), hashlib.sha256).hexdigest()


def _digest(event: AuditEvent) -> str:
    return _mac({**_content(event), "seq": event.seq, "prev": event.prev_hash})


def head_mac(chain: str, seq: int, hash_: str) -> str:
    """The MAC of a chain head: a head rewound by hand to match a shortened chain no
    longer matches it (one replayed whole is caught by the witness, ADR 0007)."""
    payload = f"head\x00{chain}\x00{seq}\x00{hash_}".encode()
    return hmac.new(_audit_key(), payload, hashlib.sha256).hexdigest()


def _seal(event: AuditEvent | AuditPending) -> str:
    return _mac({**_content(event), "pending": True})


@dataclass(frozen=True)
class EventSpec:
    action: str
    project_id: ProjectId | None
    actor: Viewer | None = None
    object_type: str = ""
    object_id: object = ""
    fields: Iterable[str] = ()
    reason: str = ""
    purpose: str = ""


def record_event(
    action: str,
    *,
    project_id: ProjectId | None,
    actor: Viewer | None = None,
    object_type: str = "",
    object_id: object = "",
    fields: Iterable[str] = (),
    reason: str = "",
    purpose: str = "",
) -> AuditEvent:
    """Append an event to the project's chain (or the system chain), in the caller's
    transaction: if the change it records rolls back, so does the event."""
    spec = EventSpec(action, project_id, actor, object_type, object_id, fields, reason, purpose)
    return record_events([spec])[0]


def record_events(specs: list[EventSpec]) -> list[AuditEvent]:
    """Append several events at once: one head lock and one insert per chain (a page of
    reveals, an export, a batch of processed messages). Inside ``deferred_chaining()``
    they are written pending instead.

    Plain SQL (``lib.rawsql``): this runs on every audited action, and the head stays
    locked until the caller commits, so the fewer and cheaper the statements under the
    lock, the more writers one chain serves.
    """
    events = [_new_event(spec) for spec in specs]
    if _deferred.get():
        rawsql.insert(AuditPending, [_pending_row(e) for e in events])
    else:
        _chain(events)
    return events


def _new_event(spec: EventSpec) -> AuditEvent:
    ctx = current_request()
    return AuditEvent(
        chain=chain_for(spec.project_id),
        project_id=spec.project_id,
        created_at=timezone.now(),
        actor_id=spec.actor.user_id if spec.actor else None,
        actor_label=spec.actor.label if spec.actor else "system",
        role=spec.actor.role if spec.actor else "",
        action=spec.action,
        object_type=spec.object_type,
        object_id="" if spec.object_id is None else str(spec.object_id),
        fields=sorted(set(spec.fields)),
        reason=spec.reason,
        purpose=spec.purpose,
        request_id=ctx.request_id,
        client_ip=ctx.client_ip,
    )


def _chain(events: list[AuditEvent]) -> None:
    """Give each event its place in its chain and write them, in the caller's
    transaction (no savepoint: if the change rolls back, so do its events)."""
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        for chain in dict.fromkeys(e.chain for e in events):
            seq, prev = _lock_head(cursor, chain)
            linked = [e for e in events if e.chain == chain]
            for event in linked:
                seq += 1
                event.seq, event.prev_hash = seq, prev
                event.hash = prev = _digest(event)
            _append(cursor, chain, linked)


_deferred: contextvars.ContextVar[bool] = contextvars.ContextVar("audit_deferred", default=False)


@contextmanager
def deferred_chaining() -> Iterator[None]:
    """Events recorded inside are written pending (sealed at once) and chained by the
    next ``sequence_pending``: for the inbound path, where a gateway's many writers
    must not queue on one chain's head lock (ADR 0004)."""
    token = _deferred.set(True)
    try:
        yield
    finally:
        _deferred.reset(token)


def pending_event(spec: EventSpec) -> dict[str, Any]:
    """The row of a pending event, for a caller that writes it in the same statement as
    its change (the inbound path from a known number)."""
    return _pending_row(_new_event(spec))


def _pending_row(event: AuditEvent) -> dict[str, Any]:
    row = {name: getattr(event, name) for name in PENDING_COLUMNS if name != "seal"}
    row["seal"] = _seal(event)
    return row


def sequence_pending(limit: int = 1000) -> int:
    """Move up to ``limit`` pending events into their chains, oldest first; returns how
    many. Several workers may run it at once (``SKIP LOCKED``). An event whose seal
    does not match stays where it is, and ``verify_pending`` reports it."""
    with transaction.atomic():
        pending = AuditPending.objects.select_for_update(skip_locked=True).order_by("id")
        events: list[AuditEvent] = []
        chained: list[int] = []
        after = 0
        while not events:
            rows = list(pending.filter(id__gt=after).values_list("id", *PENDING_COLUMNS)[:limit])
            for pk, *values in rows:
                fields = dict(zip(PENDING_COLUMNS, values, strict=True))
                seal = fields.pop("seal")
                event = AuditEvent(**fields)
                if hmac.compare_digest(_seal(event), seal):
                    events.append(event)
                    chained.append(pk)
            if len(chained) < len(rows):
                log.error("%s pending audit event(s) fail their seal", len(rows) - len(chained))
            if len(rows) < limit:
                break
            after = rows[-1][0]  # a whole batch of altered events: look past them
        if not events:
            return 0
        _chain(events)
        with _allowed("responsemap.audit_sequence"):
            rawsql.delete_ids(AuditPending, chained)
    return len(events)


def verify_pending(max_age_seconds: float = 60.0) -> list[str]:
    """Problems with events waiting to be chained: an altered one, or one waiting so
    long that the worker that chains them is probably not running."""
    problems = []
    oldest_allowed = clock.now() - timedelta(seconds=max_age_seconds)
    for row in AuditPending.objects.order_by("id").iterator(chunk_size=2000):
        if not hmac.compare_digest(_seal(row), row.seal):
            problems.append(f"TAMPERED pending event id={row.pk}: content altered since written")
        elif row.created_at < oldest_allowed:
            problems.append(
                f"LATE pending event id={row.pk} has waited since "
                f"{row.created_at:%Y-%m-%d %H:%M:%S} to be chained (is the task worker running?)"
            )
    return problems


@contextmanager
def _allowed(setting: str) -> Iterator[None]:
    """Lift the PostgreSQL guard trigger for this transaction's next statements."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL {setting} = 'on'")
        try:
            yield
        finally:
            cursor.execute(f"SET LOCAL {setting} = 'off'")


EVENT_COLUMNS = tuple(f.name for f in AuditEvent._meta.concrete_fields if not f.primary_key)
PENDING_COLUMNS = tuple(f.name for f in AuditPending._meta.concrete_fields if not f.primary_key)


def _lock_head(cursor: Any, chain: str) -> tuple[int, str]:
    """The chain's last sequence number and hash, its head row locked until commit."""
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    select = f"SELECT seq, hash FROM {HEAD_TABLE} WHERE chain = %s{lock}"  # noqa: S608
    cursor.execute(select, [chain])
    row = cursor.fetchone()
    if row is None:  # a new chain; two first writers at once: one inserts, both lock it
        cursor.execute(
            f"INSERT INTO {HEAD_TABLE} (chain, seq, hash, mac) VALUES (%s, 0, '', %s) "  # noqa: S608
            "ON CONFLICT (chain) DO NOTHING",
            [chain, head_mac(chain, 0, "")],
        )
        cursor.execute(select, [chain])
        row = cursor.fetchone()
    return int(row[0]), row[1] or GENESIS


def _append(cursor: Any, chain: str, events: list[AuditEvent]) -> None:
    rows = [{name: getattr(e, name) for name in EVENT_COLUMNS} for e in events]
    seq, hash_ = events[-1].seq, events[-1].hash
    head = [seq, hash_, head_mac(chain, seq, hash_), chain]
    update = f"UPDATE {HEAD_TABLE} SET seq = %s, hash = %s, mac = %s WHERE chain = %s"  # noqa: S608
    if connection.vendor == "postgresql" and len(rows) <= rawsql.CHUNK:
        # One round trip fewer while the head is locked.
        insert = rawsql.insert_sql(AuditEvent, EVENT_COLUMNS, len(rows))
        params = rawsql.db_values(AuditEvent, EVENT_COLUMNS, rows)
        cursor.execute(f"WITH appended AS ({insert}) {update}", params + head)
    else:
        rawsql.insert(AuditEvent, rows)
        cursor.execute(update, head)


@dataclass(frozen=True)
class ChainProblem:
    chain: str
    event_id: int | None
    seq: int | None
    problem: str

    def __str__(self) -> str:
        where = f"event id={self.event_id} seq={self.seq}" if self.event_id else "chain head"
        return f"{self.chain}: {where}: {self.problem}"


def verify_chain(chain: str) -> ChainProblem | None:
    """Return the first problem in ``chain``, or None if it is intact."""
    expected_seq, prev = 1, GENESIS
    events: Iterator[AuditEvent] = (
        AuditEvent.objects.filter(chain=chain).order_by("seq", "id").iterator(chunk_size=2000)
    )
    for event in events:
        if event.seq != expected_seq:
            problem = (
                f"sequence jumps from {expected_seq - 1} to {event.seq} (events deleted)"
                if event.seq > expected_seq
                else f"sequence {event.seq} repeats or goes back (events inserted or reordered)"
            )
            return ChainProblem(chain, event.pk, event.seq, problem)
        if event.prev_hash != prev:
            return ChainProblem(
                chain, event.pk, event.seq, "does not follow the event before it (reordered)"
            )
        if not hmac.compare_digest(_digest(event), event.hash):
            return ChainProblem(chain, event.pk, event.seq, "content altered since written")
        expected_seq, prev = expected_seq + 1, event.hash
    head = AuditChainHead.objects.filter(chain=chain).first()
    last_seq = expected_seq - 1
    if head is None:
        return None if last_seq == 0 else ChainProblem(chain, None, None, "head is missing")
    if head.seq != last_seq or (head.hash or GENESIS) != prev:
        return ChainProblem(
            chain,
            None,
            None,
            f"head says {head.seq} events but the chain has {last_seq} (events deleted)",
        )
    return None


def all_chains() -> list[str]:
    names = set(AuditEvent.objects.values_list("chain", flat=True).distinct())
    names |= set(AuditChainHead.objects.values_list("chain", flat=True))
    return sorted(names)


def purge_project_chain(project_id: object, *, reason: str) -> dict[str, Any]:
    """Remove a destroyed project's chain, recording its final hash in the system chain."""
    chain = chain_for(project_id)
    with transaction.atomic():
        with connection.cursor() as cursor:
            seq, final_hash = _lock_head(cursor, chain)
        summary = {"chain": chain, "seq": seq, "final_hash": final_hash}
        record_event(
            "audit.chain_purged",
            project_id=None,
            object_type="project",
            object_id=project_id,
            reason=f"{reason}; final hash {final_hash} after {seq} events",
        )
        with _allowed("responsemap.audit_purge"):
            AuditEvent.objects.filter(chain=chain).delete()
            AuditPending.objects.filter(chain=chain).delete()
            AuditChainHead.objects.filter(chain=chain).delete()
    return summary


def events_for_object(object_type: str, object_id: object) -> QuerySet[AuditEvent]:
    """The events about one record, oldest first: those naming it as their object, and
    the listing events of the pages that showed it (``protection.listing``)."""
    listed = AuditListing.objects.filter(object_type=object_type, object_id=str(object_id))
    return AuditEvent.objects.filter(
        Q(object_type=object_type, object_id=str(object_id)) | Q(pk__in=listed.values("event_id"))
    ).order_by("created_at", "seq")
