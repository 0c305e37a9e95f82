"""Reading duplicates, rumour groups and spam flags for a person. Linked records are
loaded through ``feedback_visible_to``: a link to a record the person may not see shows
that a link exists, never the record (its reference included)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from responsemap.protection.viewer import Viewer
from responsemap.triage.duplicates.models import DuplicateLink, RumourGroup, RumourMember, SpamMark
from responsemap.triage.models import Feedback
from responsemap.triage.queries import feedback_visible_to, with_words


def not_spam_q() -> Q:
    """Records not flagged as spam: the inbox's default view (``Feedback`` rows)."""
    return Q(spam_mark__isnull=True)


def spam_only_q() -> Q:
    """Records flagged as spam: the inbox's "spam" filter."""
    return Q(spam_mark__isnull=False)


@dataclass(frozen=True)
class Links:
    """A record's duplicate links: its current original, its current duplicates, and
    every link it had (ended ones included), newest first."""

    original: DuplicateLink | None
    copies: list[DuplicateLink]
    history: list[DuplicateLink]
    # The linked records the person may see, by id.
    visible: dict[uuid.UUID, Feedback]


def links_of(record: Feedback, viewer: Viewer) -> Links:
    """Two queries: the links, and the linked records the viewer may see."""
    rows = list(
        DuplicateLink.objects.filter(Q(duplicate=record) | Q(original=record))
        .select_related("created_by", "ended_by")
        .order_by("-created_at")
    )
    others = {r.original_id if r.duplicate_id == record.pk else r.duplicate_id for r in rows}
    visible = {f.pk: f for f in feedback_visible_to(viewer).filter(pk__in=others)} if others else {}
    current = [r for r in rows if r.ended_at is None]
    return Links(
        original=next((r for r in current if r.duplicate_id == record.pk), None),
        copies=[r for r in current if r.original_id == record.pk],
        history=[r for r in rows if r.duplicate_id == record.pk],
        visible=visible,
    )


def group_of(record: Feedback) -> RumourGroup | None:
    member = RumourMember.objects.filter(feedback=record).select_related("group").first()
    return member.group if member else None


def spam_mark_of(record: Feedback) -> SpamMark | None:
    return SpamMark.objects.filter(feedback=record).select_related("marked_by").first()


def groups_visible_to(
    viewer: Viewer, *, words: str = "", since: datetime | None = None, min_size: int = 2
) -> QuerySet[RumourGroup]:
    """The project's rumour groups for a person who may see feedback, most recently
    seen first, each with ``size``, ``first_seen``, ``last_seen`` (over all its members:
    a protected case counts, unseen) and ``sample_id``: its first member the person may
    see. ``words``: groups with a member whose redacted copy has them."""
    if not viewer.can("view_feedback"):
        return RumourGroup.objects.none()
    visible = feedback_visible_to(viewer)
    rows = RumourGroup.objects.filter(project_id=viewer.project_id).annotate(
        size=Count("members"),
        first_seen=Min("members__received_at"),
        last_seen=Max("members__received_at"),
        sample_id=Subquery(
            visible.filter(rumour_membership__group=OuterRef("pk"))
            .order_by("received_at")
            .values("pk")[:1]
        ),
    )
    rows = rows.filter(size__gte=min_size)
    if since is not None:
        rows = rows.filter(last_seen__gte=since)
    if words:
        matching = with_words(visible, viewer.project_id, words)
        rows = rows.filter(
            pk__in=RumourMember.objects.filter(feedback__in=matching).values("group_id")
        )
    return rows.order_by("-last_seen", "pk")


def access_group(viewer: Viewer, group_id: object) -> RumourGroup:
    """A rumour group of the person's project, or a 404."""
    try:
        key = uuid.UUID(str(group_id))
    except ValueError:
        raise Http404 from None
    group = groups_visible_to(viewer, min_size=0).filter(pk=key).first()
    if group is None:
        raise Http404
    return group


def members_visible(viewer: Viewer, group: RumourGroup) -> QuerySet[Feedback]:
    return (
        feedback_visible_to(viewer)
        .filter(rumour_membership__group=group)
        .select_related("area", "assignee", "team")
        .order_by("received_at", "pk")
    )
