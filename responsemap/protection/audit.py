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
- On PostgreSQL the application's role may only insert into and read the audit tables
  (``protection.dbroles``), and triggers refuse UPDATE, DELETE and TRUNCATE (migration
  0007). Pending events leave through the owner's ``responsemap_delete_chained_pending``
  (only those already chained); the one allowed removal of a chain is a destroyed
  project's, through the owner's ``responsemap_purge_chain``, called by
  ``purge_project_chain`` once the chain's final hash is in the system chain.
- Against the database's owner (ADR 0007): the head carries a MAC (``head_mac``); every
  event has its own id (``uid``) inside its MAC, and a pending event inside its seal, so
  a copied pending row is chained once and reported; a project's chain opens with a
  ``chain.start`` event bound to the project (``start_project_chain``), and
  ``protection.expected`` checks that every project has one; ``protection.witness``
  keeps signed checkpoints of the heads outside the database.
- A project event's free text (``reason``, ``fields``) is sealed under the project's key,
  bound to the event's ``uid`` (``sealed``); the MACs cover the ciphertext, so a chain
  still verifies after the key is destroyed. Readers open it with ``event_details``.
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any, TypeVar

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.db import connection, transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from responsemap.lib import clock, rawsql
from responsemap.lib.context import current_request
from responsemap.protection.keyring import (
    DecryptionError,
    KeyDestroyed,
    KeyUnavailable,
    get_keyring,
    seal,
    unseal,
)
from responsemap.protection.master import master_key
from responsemap.protection.models import (
    AuditChainHead,
    AuditEvent,
    AuditListing,
    AuditPending,
    DestroyedProject,
)
from responsemap.protection.viewer import ProjectId, Viewer

log = logging.getLogger(__name__)
SYSTEM_CHAIN = "system"
PROJECT_PREFIX = "project:"
GENESIS = "0" * 64
CHAIN_START = "chain.start"
HEAD_TABLE = AuditChainHead._meta.db_table


def chain_for(project_id: object | None) -> str:
    return SYSTEM_CHAIN if project_id is None else f"{PROJECT_PREFIX}{project_id}"


@cache
def _audit_key() -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"responsemap/audit-chain"
    ).derive(master_key())


def _content(event: AuditEvent | AuditPending) -> dict[str, Any]:
    content = {
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
    # Events written before ADR 0007 have neither; their MACs stay as they were.
    if event.uid is not None:
        content["uid"] = str(event.uid)
    if event.sealed is not None:
        content["sealed"] = bytes(event.sealed).hex()
    return content


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
    # Structured facts sealed with the reason (a re-coding's previous values); read back
    # by ``event_details`` (``Details.extra``). JSON-able values only.
    details: Mapping[str, Any] | None = None


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
    details: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append an event to the project's chain (or the system chain), in the caller's
    transaction: if the change it records rolls back, so does the event."""
    spec = EventSpec(
        action, project_id, actor, object_type, object_id, fields, reason, purpose, details
    )
    return record_events([spec])[0]


def start_project_chain(project_id: ProjectId) -> AuditEvent:
    """Open a new project's chain with ``chain.start``, bound to the project (its MAC
    names it): ``verify_audit`` expects every project's chain to begin with it, so a
    chain deleted whole and begun again shows (``protection.expected``). Chained at
    once, whatever the caller's mode: it must come first."""
    event = _new_event(
        EventSpec(CHAIN_START, project_id, object_type="project", object_id=project_id)
    )
    _chain([event])
    if event.seq != 1:
        raise ValueError(f"the chain of project {project_id} has already begun")
    return event


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
    uid = uuid.uuid4()
    fields, reason = sorted(set(spec.fields)), spec.reason
    sealed = _seal_details(spec.project_id, uid, reason, fields, spec.details)
    if sealed is not None:
        fields, reason = [], ""
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
        fields=fields,
        reason=reason,
        purpose=spec.purpose,
        request_id=ctx.request_id,
        client_ip=ctx.client_ip,
        uid=uid,
        sealed=sealed,
    )


def _details_binding(uid: uuid.UUID) -> bytes:
    return b"responsemap/audit-details\x00" + uid.bytes


def _seal_details(
    project_id: ProjectId | None,
    uid: uuid.UUID,
    reason: str,
    fields: list[str],
    details: Mapping[str, Any] | None = None,
) -> bytes | None:
    """A project event's reason and fields, sealed under the project's key (one AES-GCM
    with the cached key: microseconds). Nothing to seal, or a system event: None."""
    if project_id is None or not (reason or fields or details):
        return None
    content: dict[str, Any] = {"reason": reason, "fields": fields}
    if details:
        content["details"] = dict(details)
    payload = json.dumps(content, ensure_ascii=False)
    try:
        return seal(project_id, _details_binding(uid), payload)
    except KeyDestroyed:
        # Only the destruction's own bookkeeping is written after the key is gone; it
        # describes the destruction, not what the key protected (ADR 0007).
        log.warning("audit event %s of a destroyed project: details kept in clear", uid)
        return None


@dataclass(frozen=True)
class Details:
    """An event's reason and fields as a reader sees them (``readable`` False: its
    project's key is gone, and both are a mask)."""

    reason: str
    fields: list[str]
    readable: bool = True
    extra: Mapping[str, Any] | None = None  # EventSpec.details, when the event had some


def event_details(events: Sequence[AuditEvent | AuditPending]) -> list[Details]:
    """The reason and fields of each of ``events``, in order: a page's worth at once,
    one key load per project. After a project's key is destroyed, a mask, not an error."""
    usable: dict[object, bool] = {}
    details = []
    for event in events:
        if event.sealed is None or event.uid is None:
            details.append(Details(event.reason, list(event.fields)))
            continue
        project = event.project_id
        if project not in usable:
            try:
                get_keyring().keys(project)
                usable[project] = True
            except KeyUnavailable:
                usable[project] = False
        opened = None
        if usable[project]:
            try:
                opened = json.loads(
                    unseal(project, _details_binding(event.uid), bytes(event.sealed))
                )
            except DecryptionError:
                opened = None
        if opened is None:
            details.append(Details(unreadable_reason(), [], readable=False))
        else:
            details.append(
                Details(str(opened["reason"]), list(opened["fields"]), extra=opened.get("details"))
            )
    return details


def unreadable_reason() -> str:
    return gettext("(unreadable: the project's key was destroyed)")


E = TypeVar("E", AuditEvent, AuditPending)


def with_details(events: Iterable[E]) -> list[E]:
    """``events`` with their ``reason`` and ``fields`` opened in place (in memory only:
    audit events are never saved again), for a screen that shows them."""
    listed = list(events)
    for event, opened in zip(listed, event_details(listed), strict=True):
        event.reason, event.fields = opened.reason, opened.fields
    return listed


def _chain(events: list[AuditEvent]) -> None:
    """Give each event its place in its chain and write them, in the caller's
    transaction (no savepoint: if the change rolls back, so do its events)."""
    with transaction.atomic(savepoint=False), rawsql.cursor() as cursor:
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
            taken = _already_chained([row[1 + UID_AT] for row in rows])
            for pk, *values in rows:
                fields = dict(zip(PENDING_COLUMNS, values, strict=True))
                seal = fields.pop("seal")
                event = AuditEvent(**fields)
                if not hmac.compare_digest(_seal(event), seal):
                    log.error("pending audit event id=%s fails its seal", pk)
                elif event.uid is not None and event.uid in taken:
                    # A copy of a pending row (a receipt replayed): chained once only; it
                    # stays, and verify_pending names it.
                    log.error("pending audit event id=%s is a copy of an event chained", pk)
                else:
                    if event.uid is not None:
                        taken.add(event.uid)
                    events.append(event)
                    chained.append(pk)
            if len(rows) < limit:
                break
            after = rows[-1][0]  # a whole batch of refused events: look past them
        if not events:
            return 0
        _chain(events)
        if connection.vendor == "postgresql":
            _delete_chained_pending(chained)
        else:
            rawsql.delete_ids(AuditPending, chained)
    return len(events)


def verify_pending(max_age_seconds: float = 60.0) -> list[str]:
    """Problems with events waiting to be chained: an altered one, or one waiting so
    long that the worker that chains them is probably not running."""
    problems = []
    oldest_allowed = clock.now() - timedelta(seconds=max_age_seconds)
    seen: dict[uuid.UUID, int] = {}
    rows = AuditPending.objects.order_by("id")
    for chunk in _chunks(rows.iterator(chunk_size=2000), 2000):
        chained = _already_chained(row.uid for row in chunk)
        for row in chunk:
            problems += _pending_problems(row, seen, chained, oldest_allowed)
    return problems


def _chunks(rows: Iterator[AuditPending], size: int) -> Iterator[list[AuditPending]]:
    chunk: list[AuditPending] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _pending_problems(
    row: AuditPending,
    seen: dict[uuid.UUID, int],
    chained: set[uuid.UUID],
    oldest_allowed: Any,
) -> list[str]:
    problems = []
    if not hmac.compare_digest(_seal(row), row.seal):
        problems.append(f"TAMPERED pending event id={row.pk}: content altered since written")
    elif row.uid is not None and (row.uid in chained or row.uid in seen):
        first = f"pending event id={seen[row.uid]}" if row.uid in seen else "an event chained"
        problems.append(
            f"DUPLICATE pending event id={row.pk}: a copy of {first} (event {row.uid}); "
            "it is not chained again"
        )
    else:
        if row.uid is not None:
            seen[row.uid] = row.pk
        if row.created_at < oldest_allowed:
            problems.append(
                f"LATE pending event id={row.pk} has waited since "
                f"{row.created_at:%Y-%m-%d %H:%M:%S} to be chained (is the task worker running?)"
            )
    return problems


def _delete_chained_pending(ids: list[int]) -> None:
    """Remove pending events now in their chain, on PostgreSQL, where the application's
    role may not delete them: the owner's function removes only those whose ``uid`` is
    in the chain (migration 0007), and one it kept undoes the chaining (never twice)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT responsemap_delete_chained_pending(%s::bigint[])", [ids])
        (removed,) = cursor.fetchone()
    if removed != len(ids):
        raise RuntimeError(f"{len(ids) - removed} pending audit event(s) not found in the chain")


EVENT_COLUMNS = tuple(f.name for f in AuditEvent._meta.concrete_fields if not f.primary_key)
PENDING_COLUMNS = tuple(f.name for f in AuditPending._meta.concrete_fields if not f.primary_key)
UID_AT = PENDING_COLUMNS.index("uid")


def _already_chained(uids: Iterable[uuid.UUID | None]) -> set[uuid.UUID]:
    wanted = [uid for uid in uids if uid is not None]
    if not wanted:
        return set()
    found = AuditEvent.objects.filter(uid__in=wanted).values_list("uid", flat=True)
    return {uid for uid in found if uid is not None}


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


def lock_mark(cursor: Any, name: str) -> tuple[int, str]:
    """Lock the head row ``name`` (a mark under ``MARK_PREFIX``, not a chain) until
    commit; returns its position and hash."""
    assert name.startswith(MARK_PREFIX)
    return _lock_head(cursor, name)


def move_mark(cursor: Any, name: str, seq: int, hash_: str) -> None:
    """Move the mark ``name`` (locked by ``lock_mark``) forward, with its MAC."""
    assert name.startswith(MARK_PREFIX)
    update = f"UPDATE {HEAD_TABLE} SET seq = %s, hash = %s, mac = %s WHERE chain = %s"  # noqa: S608
    cursor.execute(update, [seq, hash_, head_mac(name, seq, hash_), name])


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
    """Return the first problem in ``chain``, or None if it is intact.

    The head is read first and the events up to it after: events a running worker
    chains meanwhile lie past that head and are left for the next check, instead of
    looking like a tail deleted."""
    head = AuditChainHead.objects.filter(chain=chain).first()
    if head is not None and not hmac.compare_digest(head_mac(chain, head.seq, head.hash), head.mac):
        return ChainProblem(
            chain,
            None,
            None,
            f"head (at {head.seq} events) fails its MAC: written by hand, not by the app "
            "(a tail deleted and the head rewound to match?)",
        )
    events = AuditEvent.objects.filter(chain=chain)
    if head is not None:
        events = events.filter(seq__lte=head.seq)
    expected_seq, prev = 1, GENESIS
    for event in events.order_by("seq", "id").iterator(chunk_size=2000):
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
    # Events past the head: chained since it was read (their head, written in the same
    # transaction, now covers them), or put there by hand.
    beyond = AuditEvent.objects.filter(chain=chain, seq__gt=head.seq).aggregate(Max("seq"))
    if beyond["seq__max"] is not None:
        now = AuditChainHead.objects.filter(chain=chain).values_list("seq", flat=True).first()
        if now is None or now < beyond["seq__max"]:
            return ChainProblem(
                chain, None, None, f"events past the head, up to {beyond['seq__max']} (inserted)"
            )
    return None


def all_chains() -> list[str]:
    """The chains the database holds (``protection.expected`` lists those it should)."""
    names = set(AuditEvent.objects.values_list("chain", flat=True).distinct())
    names |= set(AuditChainHead.objects.values_list("chain", flat=True))
    return sorted(name for name in names if not name.startswith(MARK_PREFIX))


# Head rows under this prefix are not chains: the witness keeps its own position there
# (``protection.witness``), MAC'd like a head.
MARK_PREFIX = "witness:"


def purge_project_chain(project_id: object, *, reason: str) -> dict[str, Any]:
    """Remove a destroyed project's chain, recording its final hash in the system chain.

    Only once the project's key is destroyed (its details can no longer be opened); the
    destruction is recorded (``DestroyedProject``, insert-only) before the purge."""
    chain = chain_for(project_id)
    try:
        get_keyring().keys(project_id)
    except KeyDestroyed:
        pass
    else:
        raise ValueError(f"the key of project {project_id} is not destroyed: its chain stays")
    with transaction.atomic():
        rawsql.insert(
            DestroyedProject,
            [{"project_id": project_id, "destroyed_at": timezone.now()}],
            conflict=("project_id",),
        )
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
        if connection.vendor == "postgresql":
            # The application's role may not delete from the audit tables: the owner's
            # function does, only for a project with a destruction record whose purge
            # the system chain already holds (migration 0007).
            with connection.cursor() as cursor:
                cursor.execute("SELECT responsemap_purge_chain(%s::uuid)", [str(project_id)])
        else:
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


def event_intact(event: AuditEvent) -> bool:
    """Whether one chained event's MAC still matches its content and place (a screen
    showing one record of the system chain; ``verify_chain`` checks a whole chain)."""
    return hmac.compare_digest(_digest(event), event.hash)
