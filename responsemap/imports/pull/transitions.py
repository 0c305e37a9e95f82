"""A pull's own moves, from the worker: claimed when due, claimed to run, closed.

They live outside ``actions.py`` because ``actions.py`` enqueues the pull task of
``running.py`` and the task makes these moves: both import this module, neither
imports the other back (as ``imports/transitions.py`` does for file imports).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import F, Q

from responsemap.imports.pull.models import PullSource
from responsemap.protection.audit import record_event

# A pull that has said nothing for this long died with its worker: another may start.
RUN_TIMEOUT = timedelta(minutes=30)
MAX_LISTED_ERRORS = 200


def claim_due_pull(source_id: UUID, due_at: datetime | None, now: datetime) -> bool:
    """The upkeep's claim on a due source, race-safe between workers (the row moves
    only if its next run is still the one read): next run = now + interval. Bookkeeping
    (ADR 0006): the pull it starts is audited when it ends."""
    interval = PullSource.objects.filter(pk=source_id).values_list("interval_minutes", flat=True)
    minutes = next(iter(interval), 60)
    return bool(
        PullSource.objects.filter(pk=source_id, next_run_at=due_at, is_active=True).update(
            next_run_at=now + timedelta(minutes=minutes)
        )
    )


def claim_pull_run(source: PullSource, now: datetime) -> bool:
    """One pull of a source at a time: ``running_since`` set if no live pull holds it.
    Bookkeeping (ADR 0006)."""
    free = PullSource.objects.filter(pk=source.pk, running_since__isnull=True)
    stale = PullSource.objects.filter(pk=source.pk, running_since__lt=now - RUN_TIMEOUT)
    return bool(free.update(running_since=now) or stale.update(running_since=now))


@dataclass
class PullResult:
    """What one pull did; ``outcome`` is "ok" or a ``PullError`` code."""

    outcome: str = "ok"
    fetched: int = 0
    created: int = 0
    skipped: int = 0
    failed: int = 0
    newest: datetime | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)

    def add_errors(self, entries: list[dict[str, Any]]) -> None:
        room = MAX_LISTED_ERRORS - len(self.errors)
        if room > 0:
            self.errors.extend(entries[:room])


# Submissions this much older than the newest one stored are asked for again: a
# submission the server was still saving when the last pull read may carry an earlier
# time. Asking again costs a skip (the uuid is already in).
OVERLAP = timedelta(minutes=10)


def finish_pull(source: PullSource, result: PullResult, now: datetime) -> None:
    """Close a pull: its counts and outcome on the row, the newest submission time moved
    on only when every page was read, and one audit event with the counts."""
    with transaction.atomic():
        columns: dict[str, Any] = {
            "running_since": None,
            "last_run_at": now,
            "last_outcome": result.outcome,
            "last_fetched": result.fetched,
            "last_created": result.created,
            "last_skipped": result.skipped,
            "last_failed": result.failed,
            "total_created": F("total_created") + result.created,
            "errors": result.errors,
            "updated_at": now,
        }
        # The next pull an interval from now, unless one is already set for later
        # (a due pull claimed by the upkeep moved it on already).
        PullSource.objects.filter(pk=source.pk).filter(
            Q(next_run_at__isnull=True) | Q(next_run_at__lte=now)
        ).update(next_run_at=now + timedelta(minutes=source.interval_minutes))
        if result.outcome == "ok" and result.newest is not None:
            cursor = result.newest - OVERLAP
            if source.last_submission_at is None or cursor > source.last_submission_at:
                columns["last_submission_at"] = cursor
        PullSource.objects.filter(pk=source.pk).update(**columns)
        record_event(
            "import.pull",
            project_id=source.project_id,
            object_type="pullsource",
            object_id=source.pk,
            reason=(
                f"{result.outcome}: fetched {result.fetched}, created {result.created}, "
                f"skipped {result.skipped}, failed {result.failed}"
            ),
        )
