from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.http import Http404

from responsemap.projects.models import Project
from responsemap.protection.tokens import search_forms
from responsemap.protection.viewer import Viewer
from responsemap.triage.choices import Sensitivity
from responsemap.triage.models import Feedback, FeedbackToken, Note


def feedback_visible_to(viewer: Viewer) -> QuerySet[Feedback]:
    """Every row rule for feedback lives here (ARCHITECTURE.md, chokepoint 1)."""
    if not viewer.can("view_feedback"):
        return Feedback.objects.none()
    rows = Feedback.objects.filter(project_id=viewer.project_id)
    if not viewer.can("view_sensitive"):
        # Only the normal ones (not "all but sensitive"): a level added later stays
        # hidden until this rule names it, and an equality is what the (project,
        # sensitivity, received_at) index answers in order (triage.inbox.listing).
        rows = rows.filter(sensitivity=Sensitivity.NORMAL)
    return rows


def calls_entered_by(viewer: Viewer) -> QuerySet[Feedback]:
    """The "My calls" list: the records the viewer entered themselves (``created_by``),
    for a role that enters feedback, even without ``view_feedback`` (a hotline operator
    checks a call went in). Only what the operator knows already is shown of them (reference, time,
    type, status: ``triage.inbox.views.my_calls``); a protection-sensitive one, to a role
    that does not see those, shows its reference and time only."""
    if viewer.user_id is None or not viewer.can("enter_feedback"):
        return Feedback.objects.none()
    return Feedback.objects.filter(project_id=viewer.project_id, created_by_id=viewer.user_id)


def with_words(
    rows: QuerySet[Feedback], project_id: uuid.UUID | str, query: str
) -> QuerySet[Feedback]:
    """The ``rows`` whose redacted copy has every word of ``query``, each word in any
    of its forms (light stem, stem in each language: ``protection.tokens``), found
    through the keyed token index. A query with no word long enough finds nothing."""
    words = search_forms(project_id, query)
    if not words:
        return rows.none()
    for tokens in words:
        rows = rows.filter(
            pk__in=FeedbackToken.objects.filter(project_id=project_id, token__in=tokens).values(
                "feedback_id"
            )
        )
    return rows


def access_feedback(viewer: Viewer, feedback_id: object, *, write: bool = False) -> Feedback:
    if write and not viewer.can("edit_feedback"):
        raise Http404
    try:
        key = uuid.UUID(str(feedback_id))
    except ValueError:
        raise Http404 from None
    record = (
        feedback_visible_to(viewer)
        .select_related("area", "assignee", "team", "contact", "call_details")
        .filter(pk=key)
    ).first()
    if record is None:
        raise Http404
    return record


def public_project(slug: str) -> Project:
    """A project whose public web form is open: active ones only, anyone may ask.

    A project in design, closed or destroyed is a 404, as if it never existed.
    """
    project = (
        Project.objects.select_related("organisation")  # shown by present(): one query
        .filter(slug=slug, status=Project.Status.ACTIVE)
        .first()
    )
    if project is None:
        raise Http404
    return project


def notes_on(record: Feedback) -> list[Note]:
    """The notes on a record already loaded for the viewer (``access_feedback``: its row
    rules hold for its notes), newest first."""
    return list(Note.objects.filter(feedback=record).select_related("author"))
