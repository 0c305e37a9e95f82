"""Logging list pages: "every view is logged", lists included.

A page of a list (the inbox, a search, an audit trail, the imports) is one audit event,
``<type>.list``, written when the page is shown, and one ``AuditListing`` row per record
it showed, inserted in one statement with it. The event names:

- ``object_type``: what the page lists; ``object_id``: the SHA-256 of the sorted
  ``type:id`` of every record shown. That digest is inside the event's chained, MAC'd
  content, so rows added, changed or removed afterwards no longer match it, and
  ``verify_listings`` (run by ``manage.py verify_audit``) says so;
- ``fields``: the names of the filters used, never their values (a search may be a
  name or a phone number), sealed with the event's details under the project's key
  (``audit.event_details`` opens them, ADR 0007); ``purpose``: the page.

A page with no rows is still one event (with the digest of nothing). A record's audit
trail (``audit.events_for_object``) includes the listing events that named it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from itertools import groupby
from typing import Any

from django.db import transaction

from responsemap.protection.audit import record_event
from responsemap.protection.models import AuditEvent, AuditListing
from responsemap.protection.present import Presented
from responsemap.protection.viewer import Viewer

LIST_SUFFIX = ".list"


def listing_digest(keys: Iterable[tuple[str, str]]) -> str:
    payload = "\n".join(sorted({f"{kind}:{key}" for kind, key in keys}))
    return hashlib.sha256(payload.encode()).hexdigest()


def record_listing(
    viewer: Viewer,
    object_type: str,
    shown: Sequence[Presented],
    *,
    purpose: str,
    filters: Iterable[str] = (),
) -> AuditEvent:
    """Log that ``viewer`` was shown the records ``shown`` (``present()``'s results, of
    any type) on one page listing ``object_type``; ``filters`` names the filters used.
    One event and, if the page had rows, one bulk insert, in one transaction."""
    keys = list(dict.fromkeys((s.object_type, s.id) for s in shown))
    with transaction.atomic():
        event = record_event(
            f"{object_type}{LIST_SUFFIX}",
            project_id=viewer.project_id,
            actor=viewer,
            object_type=object_type,
            object_id=listing_digest(keys),
            fields=filters,
            purpose=purpose,
        )
        if keys:
            # The chain's insert returns no id; (chain, seq) is unique and indexed.
            event_id = (
                AuditEvent.objects.filter(chain=event.chain, seq=event.seq)
                .values_list("pk", flat=True)
                .get()
            )
            AuditListing.objects.bulk_create(
                [AuditListing(event_id=event_id, object_type=t, object_id=i) for t, i in keys]
            )
    return event


def verify_listings(chains: Iterable[str] | None = None) -> list[str]:
    """Problems with listed records: a listing event whose rows no longer match its
    digest, or rows attached to an event that is not a listing."""
    events = AuditEvent.objects.filter(action__endswith=LIST_SUFFIX)
    rows = AuditListing.objects.all()
    if chains is not None:
        names = list(chains)
        events, rows = events.filter(chain__in=names), rows.filter(event__chain__in=names)
    problems: list[str] = []
    groups: Iterator[tuple[int, Iterator[Any]]] = groupby(
        rows.order_by("event_id").values_list("event_id", "object_type", "object_id").iterator(),
        key=lambda row: int(row[0]),
    )
    group = next(groups, None)
    listed = events.order_by("pk").values_list("pk", "chain", "seq", "object_id")
    for pk, chain, seq, digest in listed.iterator(chunk_size=2000):
        keys: list[tuple[str, str]] = []
        while group is not None and group[0] < pk:
            problems.append(f"TAMPERED listing rows of event id={group[0]}: not a listing event")
            group = next(groups, None)
        if group is not None and group[0] == pk:
            keys = [(kind, key) for _, kind, key in group[1]]
            group = next(groups, None)
        if listing_digest(keys) != digest:
            problems.append(
                f"TAMPERED {chain}: event id={pk} seq={seq}: the records it listed were "
                "changed since written"
            )
    while group is not None:
        problems.append(f"TAMPERED listing rows of event id={group[0]}: not a listing event")
        group = next(groups, None)
    return problems
