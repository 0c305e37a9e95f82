"""Read helpers for replies, call-back tasks and response times. Records are always
loaded through ``triage.queries`` (its row rules hold for what hangs off them)."""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from responsemap.protection.models import AuditEvent
from responsemap.protection.viewer import Viewer
from responsemap.triage.models import Feedback
from responsemap.triage.queries import feedback_visible_to
from responsemap.triage.replies.models import FINAL_OUTCOMES, CallbackAttempt, Reply, ReplyTemplate


def templates_of(viewer: Viewer) -> QuerySet[ReplyTemplate]:
    """The reply templates of the viewer's project (any role may use them; the screens
    that change them check ``manage_project``)."""
    return ReplyTemplate.objects.filter(project_id=viewer.project_id).order_by("code")


def replies_on(record: Feedback) -> list[Reply]:
    """The replies on a record already loaded for the viewer, newest first, with the
    message carrying each (its delivery state) in the same query."""
    return list(Reply.objects.filter(feedback=record).select_related("author", "outbound"))


def attempts_on(record: Feedback) -> list[CallbackAttempt]:
    return list(CallbackAttempt.objects.filter(feedback=record).select_related("caller"))


def callback_is_open(record: Feedback) -> bool:
    return not CallbackAttempt.objects.filter(feedback=record, outcome__in=FINAL_OUTCOMES).exists()


def callback_tasks(viewer: Viewer, *, mine: bool = True, state: str = "open") -> QuerySet[Feedback]:
    """Records whose caller asked for a call-back, visible to the viewer: their own
    (assigned to them) or everyone's; open, done or both (``state`` ""). Each row
    carries ``callback_attempts_count`` and ``callback_done``, oldest first."""
    attempts = CallbackAttempt.objects.filter(feedback=OuterRef("pk"))
    count = attempts.order_by().values("feedback").annotate(n=Count("pk")).values("n")
    rows = (
        feedback_visible_to(viewer)
        .filter(call_details__callback_requested=True)
        .annotate(
            callback_attempts_count=Coalesce(Subquery(count), 0),
            callback_done=Exists(attempts.filter(outcome__in=FINAL_OUTCOMES)),
        )
    )
    if mine:
        rows = rows.filter(assignee_id=viewer.user_id)
    if state == "open":
        rows = rows.filter(callback_done=False)
    elif state == "done":
        rows = rows.filter(callback_done=True)
    return rows.select_related("area", "assignee", "team").order_by("received_at", "pk")


# How response times may be grouped: the form's value to the record's field.
GROUPINGS = {
    "type_code": "type_code",
    "area": "area__name",
    "sector": "sector",
    "team": "team__name",
}


@dataclass(frozen=True)
class ResponseTimes:
    group: str  # the coded value (or name), "" for none
    received: int
    answered: int
    median_hours: float | None
    p90_hours: float | None


def _percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of sorted ``values``."""
    return values[max(0, math.ceil(share * len(values)) - 1)]


def response_times(
    viewer: Viewer, group_by: str, since: datetime, until: datetime
) -> list[ResponseTimes]:
    """Per group, the records received in [since, until) the viewer may see, how many
    got a first response (a reply sent from the record, or a move to "answered",
    whichever came first), and the median and 90th percentile of the time it took, in
    hours. Computed from the records (the dashboards issue moves it to rollups); three
    queries whatever the number of records."""
    field = GROUPINGS[group_by]
    rows = list(
        feedback_visible_to(viewer)
        .filter(received_at__gte=since, received_at__lt=until)
        .annotate(first_reply=Min("replies__created_at"))
        .order_by()
        .values_list("pk", "received_at", "first_reply", field)
    )
    answered_at = _first_answered(viewer, [pk for pk, *_rest in rows])
    waits: dict[str, list[float]] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)
    for pk, received_at, first_reply, group in rows:
        key = "" if group is None else str(group)
        counts[key] += 1
        firsts = [t for t in (first_reply, answered_at.get(str(pk))) if t is not None]
        if firsts:
            waits[key].append(max(0.0, (min(firsts) - received_at) / timedelta(hours=1)))
    result = []
    for key in sorted(counts):
        done = sorted(waits[key])
        result.append(
            ResponseTimes(
                group=key,
                received=counts[key],
                answered=len(done),
                median_hours=statistics.median(done) if done else None,
                p90_hours=_percentile(done, 0.9) if done else None,
            )
        )
    return result


def _first_answered(viewer: Viewer, feedback_ids: list[object]) -> dict[str, datetime]:
    """When each record was first moved to "answered", from its audit trail."""
    if not feedback_ids:
        return {}
    moves = (
        AuditEvent.objects.filter(
            project_id=viewer.project_id,
            action="feedback.change_status",
            object_type="feedback",
        )
        .filter(Q(purpose__endswith=">answered"))
        .values("object_id")
        .annotate(first=Min("created_at"))
    )
    wanted = {str(pk) for pk in feedback_ids}
    return {row["object_id"]: row["first"] for row in moves if row["object_id"] in wanted}
