"""What the record page shows of replies and call-backs: one call from
``triage.views._work_context`` (kept apart from ``replies.views``, which imports
``triage.views``)."""

from __future__ import annotations

from typing import Any

from responsemap.protection.present import present_many
from responsemap.protection.viewer import Viewer
from responsemap.triage.choices import Sensitivity
from responsemap.triage.forms import language_name
from responsemap.triage.models import Feedback
from responsemap.triage.replies.filling import fill_for, sms_segments
from responsemap.triage.replies.forms import ReplyForm
from responsemap.triage.replies.models import ReplyTemplate
from responsemap.triage.replies.queries import callback_is_open, replies_on
from responsemap.triage.replies.routing import ReplyRefused, reply_route


def reply_context(record: Feedback, viewer: Viewer) -> dict[str, Any]:
    """What the record page's "Replies" card shows: the replies with their delivery
    state, and for a role that may edit, the form, the templates filled for this
    record, or why no reply can go out."""
    replies = replies_on(record)
    shown = present_many(replies, viewer, "feedback_detail")
    outbound = [r.outbound for r in replies]
    delivery = present_many([o for o in outbound if o is not None], viewer, "feedback_detail")
    by_id = {d.id: d for d in delivery}
    context: dict[str, Any] = {
        "replies": [
            {"reply": s, "delivery": by_id.get(str(o.pk)) if o is not None else None}
            for s, o in zip(shown, outbound, strict=True)
        ],
        "callback": _callback_summary(record),
    }
    if not viewer.can("edit_feedback"):
        return context
    try:
        route = reply_route(record)
    except ReplyRefused as refusal:
        context["reply_refused"] = str(refusal)
        return context
    context["reply_form"] = ReplyForm()
    context["reply_may_be_public"] = record.sensitivity != Sensitivity.SENSITIVE
    context["reply_channel"] = route.channel.name
    context["reply_templates"] = _filled_templates(record)
    return context


def _callback_summary(record: Feedback) -> dict[str, Any] | None:
    call = getattr(record, "call_details", None)
    if call is None or not call.callback_requested:
        return None
    return {"open": callback_is_open(record)}


def _filled_templates(record: Feedback) -> list[dict[str, Any]]:
    project = record.project
    templates = ReplyTemplate.objects.filter(project_id=record.project_id, is_active=True)
    filled = []
    for template in templates:
        language, text = fill_for(template, record, project)
        if text:
            filled.append(
                {
                    "code": template.code,
                    "name": template.name,
                    "language": language_name(language),
                    "text": text,
                    "segments": sms_segments(text)[1],
                }
            )
    return filled
