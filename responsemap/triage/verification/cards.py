from __future__ import annotations

from typing import Any

from responsemap.protection.present import present, present_many
from responsemap.protection.viewer import Viewer
from responsemap.triage.models import Feedback
from responsemap.triage.verification.actions import needs_checklist
from responsemap.triage.verification.forms import VerificationForm
from responsemap.triage.verification.models import CheckItem, Verification, VerificationCheck

PURPOSE = "feedback_detail"


def verification_context(record: Feedback, viewer: Viewer) -> dict[str, Any]:
    row = Verification.objects.filter(feedback=record).select_related("updated_by").first()
    checks: list[dict[str, Any]] = []
    if needs_checklist(record):
        done = {
            c.item: c
            for c in VerificationCheck.objects.filter(feedback=record).select_related("checked_by")
        }
        shown = dict(zip(done, present_many(list(done.values()), viewer, PURPOSE), strict=True))
        checks = [
            {"item": code, "label": label, "shown": shown.get(code)}
            for code, label in CheckItem.choices
        ]
    return {
        "verif": {
            "shown": present(row, viewer, PURPOSE) if row else None,
            "checks": checks,
            "can_edit": viewer.can("edit_feedback"),
            "form": VerificationForm(
                initial={
                    "status": row.status if row else "unverified",
                    "sources_count": row.sources_count if row else 0,
                }
            ),
        }
    }
