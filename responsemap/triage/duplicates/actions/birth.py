"""Duplicates, rumour groups and spam flags found as records are born.

``do_link_at_birth`` is called once per batch by ``triage.actions.do_create_feedback_
batch``, inside its transaction, with the texts before they are sealed. Its cost is a
fixed number of statements per batch, whatever its size: one for the projects'
policies, one for the block list (if any record has a sender), one lookup of earlier
records that may match (same sender within the window, or a shared band key), then one
insert each for signatures, bands, links, groups, members, spam marks and their audit
events (only those with rows). Found here, not by the redaction worker: a hotline call
or an import is linked at once, not when its redacted copy is made.

The records of a batch are compared with each other too (two copies of one SMS in one
sweep), in the order they were received.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import OuterRef, Q, Subquery
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
from responsemap.triage.duplicates.similarity import band_keys, signature, similarity
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


@dataclass
class Found:
    links: list[DuplicateLink]
    groups: list[RumourGroup]
    members: list[tuple[uuid.UUID, RumourMember]]  # (project, member)
    marks: list[SpamMark]


def policies_for(project_ids: set[uuid.UUID]) -> dict[uuid.UUID, DuplicatePolicy]:
    kept = {p.project_id: p for p in DuplicatePolicy.objects.filter(project_id__in=project_ids)}
    return {pid: kept.get(pid, DEFAULT_POLICY) for pid in project_ids}


def sender_index(record: Feedback) -> str:
    contact = record.contact if record.contact_id else None
    if contact is None:
        return ""
    return contact.phone_index or contact.handle_index


def do_link_at_birth(records: Sequence[Feedback], texts: Sequence[str]) -> None:
    if not records:
        return
    now = timezone.now()
    sigs = [signature(r.project_id, t) for r, t in zip(records, texts, strict=True)]
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
        candidates = pool[record.project_id]
        _flag_spam(record, seen, candidates, policy, blocked, found, now)
        _link_or_group(record, seen, candidates, policy, found, now)
        candidates.append(seen)
    _write(records, sigs, bands, found)


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
) -> dict[uuid.UUID, list[Seen]]:
    """Earlier records that may match one of the batch: one query."""
    pool: dict[uuid.UUID, list[Seen]] = defaultdict(list)
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
    match = Q(contact_id__in=contacts) if contacts else Q(pk__in=[])
    if keys:
        match |= Q(
            feedback_id__in=SimilarityBand.objects.filter(
                project_id__in=policies,
                key__in=keys,
                received_at__gte=earliest,
                received_at__lte=latest,
            ).values("feedback_id")
        )
    rows = (
        TextSignature.objects.filter(
            match, project_id__in=policies, received_at__gte=earliest, received_at__lte=latest
        )
        .annotate(
            original=Subquery(
                DuplicateLink.objects.filter(
                    duplicate_id=OuterRef("feedback_id"), ended_at__isnull=True
                ).values("original_id")[:1]
            ),
            group=Subquery(
                RumourMember.objects.filter(feedback_id=OuterRef("feedback_id")).values("group_id")[
                    :1
                ]
            ),
        )
        .order_by("received_at")
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
    for fid, pid, cid, at, minhash, original, group in rows:
        pool[pid].append(Seen(fid, pid, cid, at, bytes(minhash or b""), original, group))
    return pool


def _flag_spam(
    record: Feedback,
    seen: Seen,
    candidates: list[Seen],
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
        recent = sum(
            1
            for c in candidates
            if c.contact_id == record.contact_id and since <= c.received_at <= record.received_at
        )
        if recent + 1 > policy.rate_messages:
            reason = SpamReason.RATE
    if reason:
        found.marks.append(
            SpamMark(
                feedback_id=record.pk, project_id=record.project_id, reason=reason, marked_at=now
            )
        )


def _best(
    seen: Seen, candidates: list[Seen], policy: DuplicatePolicy, same_sender: bool
) -> tuple[Seen, float] | None:
    window = timedelta(hours=policy.window_hours)
    since = seen.received_at - window
    until = seen.received_at if same_sender else seen.received_at + window
    best: tuple[Seen, float] | None = None
    for c in candidates:
        if not (since <= c.received_at <= until):
            continue
        alike = seen.contact_id is not None and c.contact_id == seen.contact_id
        if alike != same_sender:
            continue
        score = similarity(seen.minhash, c.minhash)
        if score >= policy.similarity and (best is None or score > best[1]):
            best = (c, score)
    return best


def _link_or_group(
    record: Feedback,
    seen: Seen,
    candidates: list[Seen],
    policy: DuplicatePolicy,
    found: Found,
    now: datetime,
) -> None:
    same = _best(seen, candidates, policy, same_sender=True)
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
    other = _best(seen, candidates, policy, same_sender=False)
    if other is None:
        return
    earlier, _score = other
    if earlier.group_id is None:
        group = RumourGroup(project_id=record.project_id, created_at=now)
        found.groups.append(group)
        earlier.group_id = group.pk
        found.members.append(
            (
                record.project_id,
                RumourMember(
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
            RumourMember(
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
    rawsql.insert(
        SimilarityBand,
        [
            {
                "feedback_id": r.pk,
                "project_id": r.project_id,
                "key": key,
                "received_at": r.received_at,
            }
            for r, keys in zip(records, bands, strict=True)
            for key in dict.fromkeys(keys)
        ],
    )
    if found.groups:
        RumourGroup.objects.bulk_create(found.groups)
    if found.members:
        RumourMember.objects.bulk_create([m for _p, m in found.members])
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
    events += [
        EventSpec(
            "rumour.add",
            project_id=project_id,
            object_type="feedback",
            object_id=m.feedback_id,
            fields=["rumour_membership.added_at"],
            purpose=LinkKind.BIRTH,
        )
        for project_id, m in found.members
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
