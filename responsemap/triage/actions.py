"""Changing feedback records. ``do_create_feedback_batch`` is the one way a record is
born, whatever its source: hotline, web form, SMS and messaging apps (the worker's
sweep, ``from_messages``), import, demo seeding.

A batch costs one insert for the records and one for their ``feedback.create`` events
(plain SQL, ``lib.rawsql``: the worker makes thousands a minute), plus, where the items
need them, one lookup and insert for contacts, one for consent records and one for call
details. Records made from messages are linked to them (``inbound_message``, unique), so
a batch processed again makes nothing twice.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from responsemap.accounts.models import Membership
from responsemap.geo.models import AdminArea
from responsemap.intake.contacts.actions import (
    NewConsent,
    NewContact,
    do_get_or_create_contacts,
    do_record_consents,
)
from responsemap.intake.contacts.consent_answers import ConsentAnswers
from responsemap.intake.contacts.models import ConsentRecord, Contact
from responsemap.intake.contacts.phones import normalise_phone
from responsemap.projects.models import Project
from responsemap.protection.audit import EventSpec, record_event, record_events
from responsemap.protection.viewer import Viewer
from responsemap.triage.choices import FeedbackType, Sector, Sensitivity, Source, Status
from responsemap.triage.duplicates.actions.birth import do_link_at_birth
from responsemap.triage.models import CallDetails, Feedback, Note
from responsemap.triage.queries import access_feedback
from responsemap.triage.redaction import redact_at_birth, redactors_for, write_search_tokens
from responsemap.triage.rules.birth import apply_birth_rules
from responsemap.triage.status_lookup.references import (
    fresh_reference,
    insert_with_fresh_references,
)
from responsemap.triage.suggestions.birth import store_suggestions, suggest_at_birth
from responsemap.triage.tasks import redact_feedback
from responsemap.triage.workflow import allowed_moves


@dataclass(frozen=True)
class CallInfo:
    """How a hotline call went. ``consent_answer`` is None when consent was not asked."""

    consent_asked: bool
    consent_answer: bool | None = None
    duration_seconds: int | None = None
    callback_requested: bool = False


CALL_AUDIT_FIELDS = [
    "call_details.duration_seconds",
    "call_details.callback_requested",
    "call_details.consent_asked",
    "call_details.consent_answer",
]


@dataclass
class NewFeedback:
    source: str
    content: str
    received_at: datetime | None = None
    phone: str = ""
    language: str = ""
    area: AdminArea | None = None
    # A position (an import's GPS column), coarsened by the caller.
    lat: float | None = None
    lon: float | None = None
    type_code: str = "uncoded"
    sector: str = "uncoded"
    topic: str = ""
    urgency: str = "normal"
    gender: str = "unknown"
    age_band: str = "unknown"
    disability: str = "unknown"
    displacement: str = "unknown"
    sensitivity: str = Sensitivity.NORMAL
    # An import's row key (a re-import skips rows stored before).
    provider_message_id: str = ""
    consent_given: bool | None = None
    consent_purposes: list[str] = field(default_factory=lambda: ["respond"])
    # The notice the person was shown (ConsentNotice.label), for the consent record.
    consent_notice_version: str = ""
    # The whole answer of the hotline and web forms (kind, a yes or no per purpose, the
    # sealed witness/recording/guardian): when given, its records are made instead.
    consent_answers: ConsentAnswers | None = None
    call: CallInfo | None = None
    # From a message: its sender's contact (made at receipt) and the message itself.
    contact: Contact | None = None
    inbound_message_id: uuid.UUID | None = None


CONSENT_METHOD_BY_SOURCE = {
    Source.HOTLINE: ConsentRecord.Method.VERBAL,
    Source.WEB: ConsentRecord.Method.WEB_NOTICE,
    Source.SMS: ConsentRecord.Method.SMS_NOTICE,
}


def do_create_feedback(project: Project, data: NewFeedback, actor: Viewer | None) -> Feedback:
    """One record: ``do_create_feedback_batch`` of one item."""
    return do_create_feedback_batch(project, [data], actor)[0]


def do_create_feedback_batch(
    project: Project | Sequence[Project],
    items: Sequence[NewFeedback],
    actor: Viewer | None,
    *,
    redact_now: bool = False,
) -> list[Feedback]:
    """Store feedback: contacts (sealed phone), consent, records, call details, one
    ``feedback.create`` event each (``actor`` None: the system). ``project`` is every
    item's, or one per item.

    Without consent the phone number is not kept: the feedback is stored anonymously.
    A call where consent was not asked keeps no phone number either.

    Returns the records made — an item from a message already made into a record is
    skipped. ``redact_now``: the redacted copy is made here (the worker, which has the
    text open already); else by a task after commit.
    """
    projects = [project] * len(items) if isinstance(project, Project) else list(project)
    if len(projects) != len(items):
        raise ValueError("one project for all items, or one per item")
    for data in items:
        if data.call is not None:
            _check_call(data, data.call)
    with transaction.atomic():
        batch = _not_made_yet(list(zip(projects, items, strict=True)))
        contacts = _contacts(batch, actor)
        _record_consents(batch, contacts, actor)
        redactors = redactors_for(projects) if redact_now else {}
        made: list[Feedback] = []
        # Each text's keyed word tokens, where redaction made them already (a redacted
        # copy that is the text itself): the duplicate signatures take them.
        text_tokens: list[list[int] | None] = []
        for n, (owner, data) in enumerate(batch):
            feedback = _record(owner, data, contacts[n], actor)
            if redact_now:
                tokens = redact_at_birth(feedback, data.content, redactors[owner.pk])
                text_tokens.append(tokens)
            else:
                text_tokens.append(None)
            made.append(feedback)
        # Suggested codes (triage.suggestions.birth): an urgent or protection
        # suggestion raises the record before the rules set its response-time target.
        suggestions = suggest_at_birth(made, [data.content for _owner, data in batch])
        # Urgency/protection rules and response-time targets (triage.rules.birth):
        # rules loaded once per batch, matched on the text before it is sealed; urgent
        # records are alerted after commit.
        apply_birth_rules(made, [data.content for _owner, data in batch])
        # A reference taken already gets a fresh one here, never failing the batch.
        insert_with_fresh_references(made)
        store_suggestions(suggestions)
        if redact_now:
            write_search_tokens(made)  # the redacted copies' word index (ADR 0008)
        # Duplicates, rumour groups and spam flags (triage.duplicates): keyed
        # signatures of the text before it is sealed, one lookup for the whole batch.
        do_link_at_birth(made, [data.content for _owner, data in batch], text_tokens)
        CallDetails.objects.bulk_create(
            _call_details(feedback, data.call)
            for feedback, (_owner, data) in zip(made, batch, strict=True)
            if data.call is not None
        )
        if made:
            record_events(
                [
                    _creation_event(feedback, data, actor)
                    for feedback, (_owner, data) in zip(made, batch, strict=True)
                ]
            )
        if not redact_now:
            ids = [str(feedback.pk) for feedback in made]
            transaction.on_commit(lambda: _enqueue_redaction(ids))
    return made


def _enqueue_redaction(feedback_ids: list[str]) -> None:
    for feedback_id in feedback_ids:
        redact_feedback.enqueue(feedback_id)


def _not_made_yet(
    batch: list[tuple[Project, NewFeedback]],
) -> list[tuple[Project, NewFeedback]]:
    """Leave out items from messages that are records already (a batch done again)."""
    messages = [data.inbound_message_id for _owner, data in batch if data.inbound_message_id]
    if not messages:
        return batch
    made = set(
        Feedback.objects.filter(inbound_message_id__in=messages).values_list(
            "inbound_message_id", flat=True
        )
    )
    return [(owner, data) for owner, data in batch if data.inbound_message_id not in made]


def _keeps_phone(data: NewFeedback) -> bool:
    call = data.call
    return (
        bool(data.phone)
        and data.consent_given is not False
        and (call is None or call.consent_asked)
    )


def _contacts(
    batch: list[tuple[Project, NewFeedback]], actor: Viewer | None
) -> list[Contact | None]:
    """Each item's contact: given (a message's sender), found or made from its phone
    number (one ``do_get_or_create_contacts`` per project), or none."""
    contacts: list[Contact | None] = [data.contact for _owner, data in batch]
    wanted: dict[uuid.UUID, list[tuple[int, NewContact]]] = defaultdict(list)
    owners: dict[uuid.UUID, Project] = {}
    for n, (owner, data) in enumerate(batch):
        if data.contact is None and _keeps_phone(data):
            phone = normalise_phone(data.phone, owner.country)
            wanted[owner.pk].append((n, NewContact(phone=phone, language=data.language)))
            owners[owner.pk] = owner
    for project_id, people in wanted.items():
        found = do_get_or_create_contacts(project_id, [p for _n, p in people], actor=actor)
        for (n, _person), (contact, _new) in zip(people, found, strict=True):
            contacts[n] = contact
    return contacts


def _record_consents(
    batch: list[tuple[Project, NewFeedback]],
    contacts: list[Contact | None],
    actor: Viewer | None,
) -> None:
    consents: dict[uuid.UUID, list[NewConsent]] = defaultdict(list)
    for (owner, data), contact in zip(batch, contacts, strict=True):
        if data.consent_answers is not None:
            consents[owner.pk].extend(data.consent_answers.records(contact))
            continue
        if data.consent_given is None:
            continue
        method = CONSENT_METHOD_BY_SOURCE.get(Source(data.source), ConsentRecord.Method.VERBAL)
        consents[owner.pk].append(
            NewConsent(
                contact=contact,
                given=data.consent_given,
                method=method,
                purposes=data.consent_purposes,
                notice_version=data.consent_notice_version,
            )
        )
    for project_id, records in consents.items():
        do_record_consents(project_id, records, actor=actor)


def sensitivity_of(data: NewFeedback) -> str:
    """A protection concern (by type or by sector) is protection-sensitive, whatever the
    form's box, the import's column or the caller said: on every path a record is born
    through, only protection roles ever see its content."""
    if data.type_code == FeedbackType.PROTECTION or data.sector == Sector.PROTECTION:
        return Sensitivity.SENSITIVE
    return data.sensitivity


def _record(
    project: Project, data: NewFeedback, contact: Contact | None, actor: Viewer | None
) -> Feedback:
    feedback = Feedback(
        project=project,
        reference=fresh_reference(),
        source=data.source,
        provider_message_id=data.provider_message_id,
        inbound_message_id=data.inbound_message_id,
        received_at=data.received_at or timezone.now(),
        contact=contact,
        language=data.language,
        area=data.area,
        lat=data.lat,
        lon=data.lon,
        type_code=data.type_code,
        sector=data.sector,
        topic=data.topic,
        urgency=data.urgency,
        gender=data.gender,
        age_band=data.age_band,
        disability=data.disability,
        displacement=data.displacement,
        sensitivity=sensitivity_of(data),
        created_by_id=actor.user_id if actor else None,
    )
    feedback.content = data.content
    return feedback


def _call_details(feedback: Feedback, call: CallInfo) -> CallDetails:
    return CallDetails(
        feedback=feedback,
        project_id=feedback.project_id,
        duration_seconds=call.duration_seconds,
        callback_requested=call.callback_requested,
        consent_asked=call.consent_asked,
        consent_answer=call.consent_answer if call.consent_asked else None,
    )


def _creation_event(feedback: Feedback, data: NewFeedback, actor: Viewer | None) -> EventSpec:
    fields = ["content", "contact"] if feedback.contact_id else ["content"]
    if data.call is not None:
        fields += CALL_AUDIT_FIELDS
    return EventSpec(
        "feedback.create",
        project_id=feedback.project_id,
        actor=actor,
        object_type="feedback",
        object_id=feedback.pk,
        fields=fields,
        purpose=data.source,
    )


def _check_call(data: NewFeedback, call: CallInfo) -> None:
    """Call details must agree with the consent they come with (forms check this first)."""
    expected = call.consent_answer if call.consent_asked else None
    if data.consent_given != expected:
        raise ValueError("consent_given does not match the call's consent answer")
    if call.callback_requested and not (call.consent_answer and data.phone):
        raise ValueError("a callback needs the caller's consent and phone number")
    if call.duration_seconds is not None and call.duration_seconds < 0:
        raise ValueError("a call can't last less than nothing")


def do_view_feedback(feedback: Feedback, viewer: Viewer) -> None:
    """Log that a person opened a record (masked); reveals are logged by present()."""
    record_event(
        "feedback.view",
        project_id=feedback.project_id,
        actor=viewer,
        object_type="feedback",
        object_id=feedback.pk,
    )


class WorkflowRefused(Exception):
    """A status change, assignment or note the record's state or the person's role does
    not allow; its message says why, in words, for the page."""


def _record_to_edit(viewer: Viewer, feedback_id: object) -> Feedback:
    """The record, loaded through ``access_feedback`` (never another project's, a
    protection-sensitive one only for roles that see them), for a role that may edit."""
    return access_feedback(viewer, feedback_id, write=True)


def do_change_status(
    viewer: Viewer,
    feedback_id: object,
    to_status: str,
    *,
    reason: str = "",
    expected: str | None = None,
) -> Feedback:
    """Move a record to ``to_status`` if the workflow (``workflow.MOVES``) allows it from
    its status. Race-safe: the row is updated only if its status is still ``expected``
    (the one the person saw; by default the one just read): ``UPDATE … WHERE status =
    <from>``, so of two people acting at once one wins and the other is told the record
    changed meanwhile. Audited: ``feedback.change_status`` naming ``status``, the move in
    the event's purpose (``from>to``), the reason sealed."""
    record = _record_to_edit(viewer, feedback_id)
    from_status = record.status if expected is None else expected
    return _move(viewer, record, from_status, to_status, reason=reason)


def _move(
    viewer: Viewer, record: Feedback, from_status: str, to_status: str, *, reason: str = ""
) -> Feedback:
    if to_status not in allowed_moves(from_status):
        raise WorkflowRefused(
            _("A record that is “%(from)s” can't be moved to “%(to)s”.")
            % {"from": _status_words(from_status), "to": _status_words(to_status)}
        )
    with transaction.atomic():
        moved = Feedback.objects.filter(pk=record.pk, status=from_status).update(
            status=to_status, updated_at=timezone.now()
        )
        if not moved:
            raise WorkflowRefused(
                _(
                    "Someone else changed this record's status meanwhile: it is no longer "
                    "“%(from)s”. Look again and retry."
                )
                % {"from": _status_words(from_status)}
            )
        record_event(
            "feedback.change_status",
            project_id=record.project_id,
            actor=viewer,
            object_type="feedback",
            object_id=record.pk,
            fields=["status"],
            reason=reason,
            purpose=f"{from_status}>{to_status}",
        )
    record.status = to_status
    return record


def _status_words(status: str) -> str:
    try:
        return str(Status(status).label)
    except ValueError:
        return str(_("unknown"))


def assignable_members(project_id: uuid.UUID | str) -> list[tuple[int, str]]:
    """The active members of a project whose role may edit feedback: (user id, name)."""
    rows = (
        Membership.objects.select_related("user", "role")
        .filter(project_id=project_id, is_active=True, user__is_active=True)
        .order_by("user__username")
    )
    return [
        (m.user_id, m.user.get_full_name() or m.user.get_username())
        for m in rows
        if "edit_feedback" in (m.role.permissions or [])
    ]


def do_assign(viewer: Viewer, feedback_id: object, assignee_user_id: int | None) -> Feedback:
    """Assign a record to a member of its project whose role may edit feedback (None:
    unassign). A new or triaged record moves to assigned, race-safe as in
    ``do_change_status``. Audited: ``feedback.assign`` naming ``assignee``."""
    record = _record_to_edit(viewer, feedback_id)
    if assignee_user_id is not None and assignee_user_id not in {
        user_id for user_id, _name in assignable_members(record.project_id)
    }:
        raise WorkflowRefused(
            _("That person is not a member of this project who may work on records.")
        )
    with transaction.atomic():
        Feedback.objects.filter(pk=record.pk).update(
            assignee_id=assignee_user_id, updated_at=timezone.now()
        )
        record_event(
            "feedback.assign",
            project_id=record.project_id,
            actor=viewer,
            object_type="feedback",
            object_id=record.pk,
            fields=["assignee"],
        )
        if assignee_user_id is not None and record.status in (Status.NEW, Status.TRIAGED):
            _move(viewer, record, record.status, Status.ASSIGNED)
    record.assignee_id = assignee_user_id
    return record


NOTE_MAX_LENGTH = 4000


def do_add_note(viewer: Viewer, feedback_id: object, text: str) -> Note:
    """A note on a record, sealed under the project key. Whoever may edit the record may
    add one. Audited: ``note.create`` on the record, naming the field only."""
    record = _record_to_edit(viewer, feedback_id)
    text = text.strip()
    if not text:
        raise WorkflowRefused(_("A note can't be empty."))
    if len(text) > NOTE_MAX_LENGTH:
        raise WorkflowRefused(_("A note can be %(n)d characters at most.") % {"n": NOTE_MAX_LENGTH})
    note = Note(
        project_id=record.project_id,
        feedback=record,
        author_id=viewer.user_id,
        created_at=timezone.now(),
    )
    note.text = text
    with transaction.atomic():
        note.save(force_insert=True)
        record_event(
            "note.create",
            project_id=record.project_id,
            actor=viewer,
            object_type="feedback",
            object_id=record.pk,
            fields=["notes.text"],
        )
    return note
