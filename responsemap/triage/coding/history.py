"""A record's re-codings in words, for its history (the audit trail page): "Type:
Question → Complaint". The previous and new codes are sealed in each
``feedback.recode`` event's details; they are opened here for a person who may see the
record's trail, one page at a time."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from responsemap.protection.audit import event_details
from responsemap.protection.audit_catalogue import field_label
from responsemap.protection.models import AuditEvent
from responsemap.triage.choices import Sensitivity, Urgency
from responsemap.triage.coding.framework import Framework, framework_for
from responsemap.triage.coding.models import Kind

RECODE = "feedback.recode"


def _words(framework: Framework, name: str, code: str) -> str:
    if not code:
        return _("none")
    if name in Kind.values:
        return framework.label(name, code)
    for choices in (Urgency, Sensitivity):
        if name in ("urgency", "sensitivity") and code in choices.values:
            return str(choices(code).label)
    return code


def recode_words(events: Iterable[AuditEvent]) -> dict[str, str]:
    """Event id → its changes in words, for the ``feedback.recode`` events among
    ``events`` (a page of one record's trail); other events are not in the result."""
    recodes = [e for e in events if e.action == RECODE]
    if not recodes:
        return {}
    framework = framework_for(str(recodes[0].project_id))
    found: dict[str, str] = {}
    for event, opened in zip(recodes, event_details(recodes), strict=True):
        extra = opened.extra or {}
        pairs = dict(extra.get("changes") or {})
        if extra.get("sensitivity"):
            pairs["sensitivity"] = extra["sensitivity"]
        found[str(event.pk)] = "; ".join(
            _("%(field)s: %(before)s → %(after)s")
            % {
                "field": field_label("feedback", name),
                "before": _words(framework, name, before),
                "after": _words(framework, name, after),
            }
            for name, (before, after) in pairs.items()
        )
    return found
