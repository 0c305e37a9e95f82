"""Duplicates, rumour groups and spam flags found as records are born.

``do_link_at_birth`` is called once per batch by ``triage.actions.do_create_feedback_
batch``, inside its transaction, with the texts before they are sealed. Its cost is a
fixed number of statements per batch, whatever its size: one for the projects'
policies, one for the block list (if any record has a sender), one lookup of earlier
records that may match (same sender within the window, or a shared band key:
``_earlier``), then one insert each for signatures, bands, links, groups, members,
spam marks and their audit events (only those with rows). Found here, not by the
redaction worker: a hotline call or an import is linked at once, not when its
redacted copy is made.

The records of a batch are compared with each other too (two copies of one SMS in one
sweep), in the order they were received.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery, UUIDField
from django.db.models.expressions import RawSQL
from django.utils import timezone

from responsemap.lib import rawsql
from responsemap.protection.audit import EventSpec, record_events
from responsemap.triage.duplicates.models import (
    DuplicateLink,
    DuplicatePolicy,
    LinkKind,
    RumourGroup,
    RumourMember,
    SenderBlock,
    SimilarityBand,
    SpamMark,
    SpamReason,
    TextSignature,
)
from responsemap.triage.duplicates.similarity import (
    band_keys,
    signature,
    signature_of_tokens,
    similarity,
)
from responsemap.triage.models import Feedback

DEFAULT_POLICY = DuplicatePolicy()


@dataclass
class Seen:
    """A record the batch is compared with: an earlier one, or one of the batch."""

    feedback_id: uuid.UUID
    project_id: uuid.UUID
    contact_id: uuid.UUID | None
    received_at: datetime
    minhash: bytes
    original_id: uuid.UUID | None
    group_id: uuid.UUID | None


@dataclass(frozen=True, slots=True)
class Member:
    """A ``RumourMember`` row to insert (a plain object: cheaper than a model's)."""

    group_id: uuid.UUID | None
    feedback_id: uuid.UUID
    received_at: datetime
    kind: str
    added_at: datetime


@dataclass
class Found:
    links: list[DuplicateLink]
    groups: list[RumourGroup]
    members: list[tuple[uuid.UUID, Member]]  # (project, member)
    marks: list[SpamMark]


# A record is compared with at most this many of the latest records sharing each of its
# band keys, and of its sender's: a flood of one text costs the same as a trickle.
MAX_COMPARED = 32
# The lookup brings at most this many earlier records, the latest first.
MAX_EARLIER = 500


_NONE: list[Seen] = []


class Pool:
    """The records a batch is compared with, by band key and by sender."""

    def __init__(self) -> None:
        self.by_key: dict[tuple[uuid.UUID, int], list[Seen]] = defaultdict(list)
        self.by_contact: dict[uuid.UUID, list[Seen]] = defaultdict(list)
        self.by_id: dict[uuid.UUID, Seen] = {}

    def add(self, seen: Seen, keys: Sequence[int]) -> None:
        self.by_id[seen.feedback_id] = seen
        for key in dict.fromkeys(keys):
            self.by_key[(seen.project_id, key)].append(seen)
        if seen.contact_id is not None:
            self.by_contact[seen.contact_id].append(seen)

    def same_sender(self, seen: Seen) -> list[Seen]:
        if seen.contact_id is None:
            return []
        return self.by_contact[seen.contact_id]

    def alike(self, seen: Seen, keys: Sequence[int]) -> list[Seen]:
        # By identity: a record is one ``Seen`` in the pool (added once), and an int
        # hashes far faster than a UUID (8 keys × 32 records for each record born).
        found: dict[int, Seen] = {}
        project = seen.project_id
        for key in keys:
            for other in self.by_key.get((project, key), _NONE)[-MAX_COMPARED:]:
                found[id(other)] = other
        return list(found.values())


def policies_for(project_ids: set[uuid.UUID]) -> dict[uuid.UUID, DuplicatePolicy]:
    kept = {p.project_id: p for p in DuplicatePolicy.objects.filter(project_id__in=project_ids)}
    return {pid: kept.get(pid, DEFAULT_POLICY) for pid in project_ids}


def sender_index(record: Feedback) -> str:
    contact = record.contact if record.contact_id else None
    if contact is None:
        return ""
    return contact.phone_index or contact.handle_index


def do_link_at_birth(
    records: Sequence[Feedback],
    texts: Sequence[str],
    tokens: Sequence[Sequence[int] | None] | None = None,
) -> None:
    """``tokens``: per record, its text's keyed tokens when the caller has them already
    (``tokens_for`` of that very text), else None: they are not made twice."""
    if not records:
        return
    now = timezone.now()
    sigs = _signatures(records, texts, tokens)
    bands = [band_keys(s) for s in sigs]
    project_ids = {r.project_id for r in records}
    policies = policies_for(project_ids)
    blocked = _blocked(records)
    pool = _earlier(records, bands, policies)
    found = Found([], [], [], [])
    order = sorted(range(len(records)), key=lambda n: records[n].received_at)
    for n in order:
        record = records[n]
        seen = Seen(
            record.pk, record.project_id, record.contact_id, record.received_at, sigs[n], None, None
        )
        policy = policies[record.project_id]
        _flag_spam(record, pool.same_sender(seen), policy, blocked, found, now)
        _link_or_group(record, seen, pool, bands[n], policy, found, now)
        pool.add(seen, bands[n])
    _write(records, sigs, bands, found)


def _signatures(
    records: Sequence[Feedback],
    texts: Sequence[str],
    tokens: Sequence[Sequence[int] | None] | None,
) -> list[bytes]:
    """Each record's signature; a text repeated in the batch (copies of one SMS) is
    signed once."""
    known = tokens if tokens is not None else [None] * len(records)
    done: dict[tuple[uuid.UUID, str], bytes] = {}
    sigs = []
    for record, text, given in zip(records, texts, known, strict=True):
        sig = done.get((record.project_id, text))
        if sig is None:
            sig = (
                signature(record.project_id, text) if given is None else signature_of_tokens(given)
            )
            done[(record.project_id, text)] = sig
        sigs.append(sig)
    return sigs


def _blocked(records: Sequence[Feedback]) -> set[tuple[uuid.UUID, str]]:
    indexes = {sender_index(r) for r in records} - {""}
    if not indexes:
        return set()
    rows = SenderBlock.objects.filter(
        project_id__in={r.project_id for r in records}, sender_index__in=indexes
    ).values_list("project_id", "sender_index")
    return set(rows)


def _earlier(
    records: Sequence[Feedback],
    bands: list[list[int]],
    policies: dict[uuid.UUID, DuplicatePolicy],
) -> Pool:
    """Earlier records that may match one of the batch: one query, at most
    ``MAX_EARLIER`` rows (the latest). Its inner query picks them from the band and
    sender rows alone (their ids and times); the outer reads the signatures, links and
    groups of those 500 only. Reading a signature row for every record sharing a band
    key, then cutting to 500, cost 3 times the time on SQLite when texts repeat (an
    import, an SMS flood: 30,000 band rows for a batch of 200 in a project of 24,000)."""
    pool = Pool()
    longest = max(
        max(timedelta(hours=p.window_hours), timedelta(minutes=p.rate_minutes))
        for p in policies.values()
    )
    earliest = min(r.received_at for r in records) - longest
    # A rumour group takes similar records from either side of a record's time (an
    # import of older messages is grouped too); a duplicate only repeats an earlier one.
    latest = max(r.received_at for r in records) + longest
    contacts = {r.contact_id for r in records if r.contact_id}
    keys = {k for ks in bands for k in ks}
    if not contacts and not keys:
        return pool
    within = {
        "project_id__in": policies,
        "received_at__gte": earliest,
        "received_at__lte": latest,
    }
    # A record's bands carry its time (written with its signature, at its birth).
    parts: list[QuerySet[Any, tuple[uuid.UUID, datetime]]] = []
    if keys:
        parts.append(
            SimilarityBand.objects.filter(key__in=keys, **within).values_list(
                "feedback_id", "received_at"
            )
        )
    if contacts:
        parts.append(
            TextSignature.objects.filter(contact_id__in=contacts, **within).values_list(
                "feedback_id", "received_at"
            )
        )
    either = parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0].distinct()
    sql, params = either.order_by("-received_at")[:MAX_EARLIER].query.sql_with_params()
    # The ORM does not take a column of a sliced UNION as a subquery: its own SQL and
    # parameters, wrapped (nothing of the caller's in the text).
    wrapped = f"SELECT feedback_id FROM ({sql}) latest"  # noqa: S608
    latest_ids = RawSQL(wrapped, params)  # noqa: S611
    rows = (
        TextSignature.objects.filter(feedback_id__in=latest_ids, **within)
        .annotate(
            original=Subquery(
                DuplicateLink.objects.filter(
                    duplicate_id=OuterRef("feedback_id"), ended_at__isnull=True
                ).values("original_id")[:1],
                output_field=UUIDField(),
            ),
            group=Subquery(
                RumourMember.objects.filter(feedback_id=OuterRef("feedback_id")).values("group_id")[
                    :1
                ],
                output_field=UUIDField(),
            ),
        )
        .order_by("-received_at")
        .values_list(
            "feedback_id",
            "project_id",
            "contact_id",
            "received_at",
            "minhash",
            "original",
            "group",
        )
    )
    for fid, pid, cid, at, minhash, original, group in reversed(rows):
        sig = bytes(minhash or b"")
        pool.add(Seen(fid, pid, cid, at, sig, original, group), band_keys(sig))
    return pool


def _flag_spam(
    record: Feedback,
    same_sender: list[Seen],
    policy: DuplicatePolicy,
    blocked: set[tuple[uuid.UUID, str]],
    found: Found,
    now: datetime,
) -> None:
    reason = ""
    if (record.project_id, sender_index(record)) in blocked:
        reason = SpamReason.BLOCKED
    elif record.contact_id:
        since = record.received_at - timedelta(minutes=policy.rate_minutes)
        recent = sum(1 for c in same_sender if since <= c.received_at <= record.received_at)
        if recent + 1 > policy.rate_messages:
            reason = SpamReason.RATE
    if reason:
        found.marks.append(
            SpamMark(
                feedback_id=record.pk, project_id=record.project_id, reason=reason, marked_at=now
            )
        )


def _time(seen: Seen) -> datetime:
    return seen.received_at


def _best(
    seen: Seen, candidates: list[Seen], policy: DuplicatePolicy, same_sender: bool
) -> tuple[Seen, float] | None:
    window = timedelta(hours=policy.window_hours)
    since = seen.received_at - window
    until = seen.received_at if same_sender else seen.received_at + window
    # The latest similar record: in a flood of one text, found among the first looked at.
    # Those outside the window are left out before sorting (the same order: stable).
    inside = [c for c in candidates if since <= c.received_at <= until]
    for c in sorted(inside, key=_time, reverse=True):
        alike = seen.contact_id is not None and c.contact_id == seen.contact_id
        if alike != same_sender:
            continue
        score = similarity(seen.minhash, c.minhash)
        if score >= policy.similarity:
            return c, score
    return None


def _link_or_group(
    record: Feedback,
    seen: Seen,
    pool: Pool,
    keys: list[int],
    policy: DuplicatePolicy,
    found: Found,
    now: datetime,
) -> None:
    same = _best(seen, pool.same_sender(seen)[-MAX_COMPARED:], policy, same_sender=True)
    if same is not None:
        earlier, score = same
        seen.original_id = earlier.original_id or earlier.feedback_id
        seen.group_id = earlier.group_id
        found.links.append(
            DuplicateLink(
                project_id=record.project_id,
                duplicate_id=record.pk,
                original_id=seen.original_id,
                kind=LinkKind.BIRTH,
                similarity=score,
                created_at=now,
            )
        )
        return
    other = _best(seen, pool.alike(seen, keys), policy, same_sender=False)
    if other is None:
        return
    earlier, _score = other
    # A duplicate stands for its original: the group takes the original.
    earlier = pool.by_id.get(earlier.original_id, earlier) if earlier.original_id else earlier
    if earlier.group_id is None:
        group = RumourGroup(project_id=record.project_id, created_at=now)
        found.groups.append(group)
        earlier.group_id = group.pk
        found.members.append(
            (
                record.project_id,
                Member(
                    group_id=group.pk,
                    feedback_id=earlier.feedback_id,
                    received_at=earlier.received_at,
                    kind=LinkKind.BIRTH,
                    added_at=now,
                ),
            )
        )
    seen.group_id = earlier.group_id
    found.members.append(
        (
            record.project_id,
            Member(
                group_id=seen.group_id,
                feedback_id=record.pk,
                received_at=record.received_at,
                kind=LinkKind.BIRTH,
                added_at=now,
            ),
        )
    )


def _write(
    records: Sequence[Feedback], sigs: list[bytes], bands: list[list[int]], found: Found
) -> None:
    rawsql.insert(
        TextSignature,
        [
            {
                "feedback_id": r.pk,
                "project_id": r.project_id,
                "contact_id": r.contact_id,
                "received_at": r.received_at,
                "minhash": s,
            }
            for r, s in zip(records, sigs, strict=True)
        ],
    )
    rawsql.insert_tuples(
        SimilarityBand,
        ("feedback_id", "project_id", "key", "received_at"),
        [
            (record_id, project_id, key, received_at)
            for record_id, project_id, received_at, keys in (
                (r.pk, r.project_id, r.received_at, keys)
                for r, keys in zip(records, bands, strict=True)
            )
            for key in dict.fromkeys(keys)
        ],
    )
    if found.groups:
        RumourGroup.objects.bulk_create(found.groups)
    rawsql.insert(
        RumourMember,
        [
            {
                "group_id": m.group_id,
                "feedback_id": m.feedback_id,
                "received_at": m.received_at,
                "kind": m.kind,
                "added_at": m.added_at,
            }
            for _p, m in found.members
        ],
    )
    if found.links:
        DuplicateLink.objects.bulk_create(found.links)
    if found.marks:
        SpamMark.objects.bulk_create(found.marks)
    events = [
        EventSpec(
            "duplicate.link",
            project_id=link.project_id,
            object_type="feedback",
            object_id=link.duplicate_id,
            fields=["duplicate_links.kind"],
            purpose=LinkKind.BIRTH,
        )
        for link in found.links
    ]
    # One event per group a batch adds to, not per record: most records of a busy
    # channel join a group (a rumour, or a problem many people report), and the group
    # is on the record's page; a hand change is audited on each record (``links``).
    groups = {m.group_id: project_id for project_id, m in found.members}
    events += [
        EventSpec(
            "rumour.add",
            project_id=project_id,
            object_type="rumourgroup",
            object_id=group_id,
            fields=["members"],
            purpose=LinkKind.BIRTH,
        )
        for group_id, project_id in groups.items()
    ]
    events += [
        EventSpec(
            "feedback.mark_spam",
            project_id=mark.project_id,
            object_type="feedback",
            object_id=mark.feedback_id,
            fields=["spam_mark.reason"],
            purpose=mark.reason,
        )
        for mark in found.marks
    ]
    if events:
        record_events(events)
