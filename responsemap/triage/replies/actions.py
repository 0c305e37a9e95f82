"""Replies, reply templates and call-backs: every change here is one transaction with
its audit event; the reply's SMS leaves through ``intake.messages.send`` after commit.

Call-back numbers: a role that holds ``reveal_contact`` may reveal a contact from the
record page. The assignee of an open call-back task may reveal the phone number (only
it, never the name) of that one record's contact to call them back, with a reason —
the permission is granted for that one present() call, which writes the reveal event as
any other does (docs/replies.md, "Call-backs").
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from responsemap.intake.messages.models import OutboundMessage
from responsemap.intake.messages.send import do_queue_outbound
from responsemap.protection.audit import record_event
from responsemap.protection.present import Presented, present
from responsemap.protection.viewer import Viewer
from responsemap.triage.actions import WorkflowRefused, do_change_status
from responsemap.triage.choices import Sensitivity, Status
from responsemap.triage.models import Feedback
from responsemap.triage.queries import access_feedback
from responsemap.triage.replies.models import (
    CallbackAttempt,
    CallbackOutcome,
    Reply,
    ReplyTemplate,
)
from responsemap.triage.replies.queries import callback_is_open
from responsemap.triage.replies.routing import ReplyRefused, check_may_contact, reply_route
from responsemap.triage.workflow import allowed_moves

REPLY_MAX_LENGTH = 1000
NOTE_MAX_LENGTH = 2000


@dataclass(frozen=True)
class ReplyResult:
    reply: Reply
    outbound: OutboundMessage
    # Whether the record was moved to "answered" with it.
    answered: bool


def do_reply_to_feedback(
    viewer: Viewer,
    feedback_id: object,
    text: str,
    template: str | None = None,
    *,
    mark_answered: bool = False,
    public: bool = False,
) -> ReplyResult:
    """Send ``text`` to the sender of a record on the channel it came in on
    (``routing.reply_route``), queued through ``do_queue_outbound`` (sent after commit
    by the worker). The reply is kept on the record, sealed. ``mark_answered``: the
    record moves to "answered" in the same transaction, if its status allows it.
    ``public``: the reply is also shown on the status page to whoever has the record's
    reference code — refused for a protection case (only its stage is ever shown).
    Audited: ``feedback.reply`` naming ``replies.text``, the channel kind as purpose
    (and the queue's own ``message.queue``)."""
    record = access_feedback(viewer, feedback_id, write=True)
    text = text.strip()
    if not text:
        raise ReplyRefused(_("A reply can't be empty."))
    if len(text) > REPLY_MAX_LENGTH:
        raise ReplyRefused(_("A reply can be %(n)d characters at most.") % {"n": REPLY_MAX_LENGTH})
    if public and record.sensitivity == Sensitivity.SENSITIVE:
        raise ReplyRefused(
            _("A reply to a protection case is never shown on the public status page.")
        )
    route = reply_route(record)
    template_code = ""
    if template:
        found = ReplyTemplate.objects.filter(project_id=record.project_id, code=template).first()
        template_code = found.code if found else ""
    with transaction.atomic():
        outbound = do_queue_outbound(
            channel=route.channel,
            contact=route.contact,
            purpose=OutboundMessage.Purpose.REPLY,
            text=text,
            in_reply_to=record.inbound_message if record.inbound_message_id else None,
            actor=viewer,
        )
        reply = Reply(
            project_id=record.project_id,
            feedback=record,
            outbound=outbound,
            author_id=viewer.user_id,
            template_code=template_code,
            created_at=timezone.now(),
            public=public,
        )
        reply.text = text
        reply.save(force_insert=True)
        record_event(
            "feedback.reply",
            project_id=record.project_id,
            actor=viewer,
            object_type="feedback",
            object_id=record.pk,
            fields=["replies.text", "replies.public"] if public else ["replies.text"],
            purpose=route.channel.kind,
        )
        answered = (
            mark_answered
            and outbound.state != OutboundMessage.State.BLOCKED
            and Status.ANSWERED in allowed_moves(record.status)
        )
        if answered:
            do_change_status(viewer, record.pk, Status.ANSWERED, expected=record.status)
    return ReplyResult(reply, outbound, answered)


def do_save_reply_template(
    viewer: Viewer,
    *,
    code: str,
    name: str,
    texts: dict[str, str],
    is_active: bool = True,
    template_id: uuid.UUID | None = None,
) -> ReplyTemplate:
    """Add or change a reply template of the viewer's project (``manage_project``).
    Audited: ``reply_template.save`` naming the fields."""
    if not viewer.can("manage_project"):
        raise WorkflowRefused(_("Only a project manager may change reply templates."))
    texts = {lang: text.strip() for lang, text in texts.items() if text.strip()}
    if not texts:
        raise WorkflowRefused(_("A template needs a text in at least one language."))
    with transaction.atomic():
        if template_id is None:
            template = ReplyTemplate(project_id=viewer.project_id)
        else:
            template = ReplyTemplate.objects.select_for_update().get(
                project_id=viewer.project_id, pk=template_id
            )
        template.code, template.name, template.texts = code, name.strip(), texts
        template.is_active = is_active
        template.updated_at = timezone.now()
        template.save()
        record_event(
            "reply_template.save",
            project_id=viewer.project_id,
            actor=viewer,
            object_type="replytemplate",
            object_id=template.pk,
            fields=["code", "name", "texts", "is_active"],
            purpose="create" if template_id is None else "update",
        )
    return template


def _open_callback(viewer: Viewer, feedback_id: object) -> Feedback:
    record = access_feedback(viewer, feedback_id, write=True)
    call = getattr(record, "call_details", None)
    if call is None or not call.callback_requested:
        raise ReplyRefused(_("No call-back was asked for on this record."))
    if not callback_is_open(record):
        raise ReplyRefused(_("This call-back is done already."))
    return record


def do_reveal_callback_number(viewer: Viewer, feedback_id: object, reason: str) -> Presented:
    """The phone number to call a person back, revealed for the assignee of the open
    call-back (or a role that may reveal contacts), with a reason. Audited on the
    contact's trail (``field.reveal``, by present()) and the record's
    (``feedback.reveal_contact``, purpose ``callback``), one transaction."""
    record = _open_callback(viewer, feedback_id)
    contact = check_may_contact(record)
    if not contact.phone_index:
        raise ReplyRefused(_("No phone number was kept for this person."))
    if record.assignee_id != viewer.user_id and not viewer.can("reveal_contact"):
        raise ReplyRefused(_("Only the person this call-back is assigned to may see the number."))
    if not reason.strip():
        raise ReplyRefused(_("Say why you reveal the number."))
    # The one grant of this module (see the header): the phone of this contact only.
    caller = dataclasses.replace(viewer, permissions=viewer.permissions | {"reveal_contact"})
    with transaction.atomic():
        shown = present(contact, caller, "callback", reveal=("phone",), reason=reason)
        record_event(
            "feedback.reveal_contact",
            project_id=record.project_id,
            actor=viewer,
            object_type="feedback",
            object_id=record.pk,
            fields=["contact.phone"],
            reason=reason,
            purpose="callback",
        )
    return shown


def do_record_callback_outcome(
    viewer: Viewer, feedback_id: object, outcome: str, note: str = ""
) -> CallbackAttempt:
    """One call-back attempt and how it went; "no answer" leaves the task open, any
    other outcome closes it. The note is sealed. Audited: ``callback.record_outcome``
    naming the fields, the outcome as purpose."""
    record = _open_callback(viewer, feedback_id)
    if outcome not in CallbackOutcome.values:
        raise ReplyRefused(_("Choose how the call went."))
    note = note.strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ReplyRefused(_("A note can be %(n)d characters at most.") % {"n": NOTE_MAX_LENGTH})
    attempt = CallbackAttempt(
        project_id=record.project_id,
        feedback=record,
        caller_id=viewer.user_id,
        created_at=timezone.now(),
        outcome=outcome,
    )
    attempt.note = note
    with transaction.atomic():
        attempt.save(force_insert=True)
        record_event(
            "callback.record_outcome",
            project_id=record.project_id,
            actor=viewer,
            object_type="feedback",
            object_id=record.pk,
            fields=["callback_attempts.outcome", "callback_attempts.note"],
            purpose=outcome,
        )
    return attempt
