"""What the record page shows of duplicates, rumour groups, spam and verification:
one context for the one partial ``triage/duplicates/record_cards.html``."""

from __future__ import annotations

from typing import Any

from responsemap.protection.present import present, present_many
from responsemap.protection.viewer import Viewer
from responsemap.triage.duplicates.actions.spam import is_blocked
from responsemap.triage.duplicates.forms import ReferenceForm
from responsemap.triage.duplicates.queries import group_of, links_of, spam_mark_of
from responsemap.triage.models import Feedback
from responsemap.triage.verification.cards import verification_context

PURPOSE = "feedback_detail"


def record_cards(record: Feedback, viewer: Viewer) -> dict[str, Any]:
    links = links_of(record, viewer)
    shown_others = dict(
        zip(
            links.visible,
            present_many(list(links.visible.values()), viewer, PURPOSE),
            strict=True,
        )
    )

    def item(link: Any, other_id: Any) -> dict[str, Any]:
        return {"link": present(link, viewer, PURPOSE), "other": shown_others.get(other_id)}

    group = group_of(record)
    mark = spam_mark_of(record)
    return {
        "dup": {
            "original": item(links.original, links.original.original_id)
            if links.original
            else None,
            "copies": [item(link, link.duplicate_id) for link in links.copies],
            "history": [item(link, link.original_id) for link in links.history if link.ended_at],
            "group_id": str(group.pk) if group else "",
            "spam": present(mark, viewer, PURPOSE) if mark else None,
            "blocked": is_blocked(record),
            "has_sender": bool(record.contact_id),
            "can_edit": viewer.can("edit_feedback"),
            "form": ReferenceForm(),
        },
        **verification_context(record, viewer),
    }
