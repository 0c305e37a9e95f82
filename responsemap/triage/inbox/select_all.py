"""Bulk actions on every record matching the inbox's filters, across its pages.

Two steps, so that what is acted on is exactly what the person confirmed:

1. the bulk form says "all matching" (``everything``): the records matching its filters
   (``back``, the inbox's query) are found the way the inbox finds them
   (``feedback_visible_to`` + ``listing.filtered``), and a page asks to confirm their
   count, carrying the ``fingerprint`` of their ids;
2. the confirmation posts that fingerprint back; the records are found again and acted
   on only if they are the same ones (else the new count is asked for again). Each then
   goes through its own audited action (``do_change_status`` / ``do_assign``: one
   transaction, race check and audit event per record), as ticked records do.

At most ``SELECT_ALL_MAX`` records at a time: each is its own transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone

from responsemap.projects.models import Project
from responsemap.protection.viewer import Viewer
from responsemap.triage.alerts.queries import overdue_q
from responsemap.triage.inbox.forms import InboxForm
from responsemap.triage.inbox.listing import filtered
from responsemap.triage.models import Feedback
from responsemap.triage.queries import feedback_visible_to

SELECT_ALL_MAX = 500


class FiltersRefused(Exception):
    """The filters of a select-all could not be read (a changed or forged query)."""


def matching(viewer: Viewer, project: Project, query: str) -> QuerySet[Feedback]:
    """The records the inbox lists for ``query`` (its filters), for this viewer."""
    form = InboxForm(
        QueryDict(query or ""), project=project, can_see_sensitive=viewer.can("view_sensitive")
    )
    if not form.is_valid():
        raise FiltersRefused
    data = form.cleaned_data
    rows = filtered(feedback_visible_to(viewer), project.pk, data)
    if data.get("overdue"):
        rows = rows.filter(overdue_q(timezone.now()))
    return rows


def matching_ids(viewer: Viewer, project: Project, query: str) -> list[str]:
    """The matching records' ids, in a fixed order; one more than ``SELECT_ALL_MAX`` at
    most (enough to say there are too many)."""
    rows = matching(viewer, project, query).order_by("pk").values_list("pk", flat=True)
    return [str(pk) for pk in rows[: SELECT_ALL_MAX + 1]]


def fingerprint(ids: Sequence[str]) -> str:
    """Names one set of records: any record in or out makes another."""
    return hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()[:32]
