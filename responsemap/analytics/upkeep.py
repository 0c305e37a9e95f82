"""Keeping rollups current: run by every worker's upkeep (``lib.tasks.register_upkeep``,
every few seconds), so no action of the other apps has to know about rollups.

Every action that changes a record stamps its ``updated_at`` (the workflow, re-coding,
assignment, merges, sensitivity, redaction, a record's birth). One indexed question
(``analytics`` migration 0001 adds the index on ``updated_at``) asks which (project,
day received) have records changed since the last round; only those days are
recomputed (``rollups``: a day from scratch, idempotent). A project never built gets
its first full build from the upkeep too. A burst of 500 messages a
second lands on one or two days: a round costs a handful of queries, whatever the
burst.

A transaction that commits a while after it stamped its rows would be missed by a
plain "since the last round": the question looks back ``LOOKBACK`` further, and a day
is redone only when its count of changed rows in that window, or its newest change,
grew since the round before (``RollupState.recent``). Deleted records (erasure,
retention) stamp nothing: every ``VERIFY_EVERY`` the last ``VERIFY_DAYS`` days' totals
are compared with the records' counts and any day that differs is redone.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db.models import Count, Max, Sum
from django.db.models.functions import TruncDate

from responsemap.analytics.actions import (
    advance_checked,
    do_rebuild_rollups,
    mark_verified,
    refresh_days,
)
from responsemap.analytics.models import Rollup, RollupState
from responsemap.analytics.rollups import day_start
from responsemap.lib import clock
from responsemap.projects.models import Project
from responsemap.triage.models import Feedback

log = logging.getLogger(__name__)

LOOKBACK = timedelta(minutes=2)
VERIFY_EVERY = timedelta(minutes=10)
ADVANCE_EVERY = timedelta(minutes=1)
VERIFY_DAYS = 35


def changed_days(since: datetime) -> dict[uuid.UUID, dict[str, list[object]]]:
    """Per project, per day received (ISO), [records changed since ``since``, newest
    change (ISO)]."""
    rows = (
        Feedback.objects.filter(updated_at__gt=since)
        .annotate(day=TruncDate("received_at"))
        .values("project_id", "day")
        .annotate(n=Count("pk"), last=Max("updated_at"))
        .order_by()
    )
    found: dict[uuid.UUID, dict[str, list[object]]] = defaultdict(dict)
    for row in rows:
        found[row["project_id"]][row["day"].isoformat()] = [row["n"], row["last"].isoformat()]
    return found


def _grew(now: list[object], before: list[object] | None) -> bool:
    if before is None:
        return True
    return int(str(now[0])) > int(str(before[0])) or str(now[1]) > str(before[1])


def refresh_rollups() -> int:
    """One round: recompute the days whose records changed; returns cells written."""
    now = clock.now()
    written = 0
    never_built = Project.objects.exclude(status=Project.Status.DESTROYED).exclude(
        pk__in=RollupState.objects.filter(rebuilt_at__isnull=False).values("project_id")
    )
    for project_id in never_built.values_list("pk", flat=True):
        # A project never built (new, or rollups new to it): its first build, once.
        written += do_rebuild_rollups(project_id)
    states = {s.project_id: s for s in RollupState.objects.all()}
    oldest = min((s.checked_until for s in states.values() if s.checked_until), default=None)
    since = min(now, oldest or now) - LOOKBACK
    skipped: set[uuid.UUID] = set()
    for project_id, days in changed_days(since).items():
        before = states[project_id].recent if project_id in states else {}
        stale = [day for day, seen in days.items() if _grew(seen, before.get(day))]
        if not stale:
            continue
        done = _refresh_project(project_id, stale, days, now)
        if done is None:
            skipped.add(project_id)  # another worker holds it: look again next round
        else:
            written += done
    # The others are current up to now: move their mark on (at most once a minute, so
    # an idle round writes nothing), so that the next question starts from there.
    advance_checked(now - ADVANCE_EVERY, now, skipped)
    for state in states.values():
        if state.verified_at is None or now - state.verified_at >= VERIFY_EVERY:
            written += verify_recent_days(state.project_id, now)
    return written


def _refresh_project(
    project_id: uuid.UUID, stale: list[str], seen: dict[str, list[object]], now: datetime
) -> int | None:
    """Recompute ``stale`` days; None if another worker holds the project."""
    cutoff = (now - LOOKBACK).isoformat()
    recent = {d: v for d, v in seen.items() if str(v[1]) > cutoff}
    return refresh_days(project_id, [date.fromisoformat(day) for day in stale], recent, now)


def day_totals(project_id: uuid.UUID, first_day: date) -> tuple[dict[date, int], dict[date, int]]:
    """(records per day, cells' records per day) from ``first_day`` on."""
    records = dict(
        Feedback.objects.filter(
            project_id=project_id,
            received_at__gte=day_start(first_day),
        )
        .annotate(day=TruncDate("received_at"))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("day", "n")
    )
    counted = dict(
        Rollup.objects.filter(project_id=project_id, day__gte=first_day)
        .values("day")
        .annotate(n=Sum("records"))
        .order_by()
        .values_list("day", "n")
    )
    return records, counted


def verify_recent_days(project_id: uuid.UUID, now: datetime) -> int:
    """Redo the recent days whose cells' total differs from the records' count."""
    first_day = (now - timedelta(days=VERIFY_DAYS)).date()
    records, counted = day_totals(project_id, first_day)
    wrong = [day for day in set(records) | set(counted) if records.get(day) != counted.get(day)]
    written = mark_verified(project_id, wrong, now)
    if wrong:
        log.info("rollups: %d day(s) redone after a count check", len(wrong))
    return written
