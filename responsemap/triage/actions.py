from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from responsemap.geo.models import AdminArea
from responsemap.intake.contacts.actions import do_get_or_create_contact, do_record_consent
from responsemap.intake.contacts.models import ConsentRecord
from responsemap.projects.models import Project
from responsemap.protection.audit import record_event
from responsemap.protection.viewer import Viewer
from responsemap.triage.choices import Sensitivity, Source
from responsemap.triage.models import CallDetails, Feedback
from responsemap.triage.tasks import redact_feedback


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
    type_code: str = "uncoded"
    sector: str = "uncoded"
    topic: str = ""
    urgency: str = "normal"
    gender: str = "unknown"
    age_band: str = "unknown"
    disability: str = "unknown"
    displacement: str = "unknown"
    sensitivity: str = Sensitivity.NORMAL
    provider_message_id: str = ""
    consent_given: bool | None = None
    consent_purposes: list[str] = field(default_factory=lambda: ["respond"])
    # The notice the person was shown (ConsentNotice.label), for the consent record.
    consent_notice_version: str = ""
    call: CallInfo | None = None


CONSENT_METHOD_BY_SOURCE = {
    Source.HOTLINE: ConsentRecord.Method.VERBAL,
    Source.WEB: ConsentRecord.Method.WEB_NOTICE,
    Source.SMS: ConsentRecord.Method.SMS_NOTICE,
}


def do_create_feedback(project: Project, data: NewFeedback, actor: Viewer | None) -> Feedback:
    """Store one piece of feedback: contact (sealed phone), consent, record, audit event.

    Without consent the phone number is not kept: the feedback is stored anonymously.
    A call where consent was not asked keeps no phone number either.
    """
    call = data.call
    if call is not None:
        _check_call(data, call)
    keep_phone = data.consent_given is not False and (call is None or call.consent_asked)
    with transaction.atomic():
        contact = None
        if data.phone and keep_phone:
            contact, _ = do_get_or_create_contact(
                project_id=project.pk,
                country=project.country,
                raw_phone=data.phone,
                language=data.language,
            )
        if data.consent_given is not None:
            do_record_consent(
                project_id=project.pk,
                contact=contact,
                given=data.consent_given,
                method=CONSENT_METHOD_BY_SOURCE.get(
                    Source(data.source), ConsentRecord.Method.VERBAL
                ),
                purposes=data.consent_purposes,
                notice_version=data.consent_notice_version,
                actor=actor,
            )
        feedback = Feedback(
            project=project,
            source=data.source,
            provider_message_id=data.provider_message_id,
            received_at=data.received_at or timezone.now(),
            contact=contact,
            language=data.language,
            area=data.area,
            type_code=data.type_code,
            sector=data.sector,
            topic=data.topic,
            urgency=data.urgency,
            gender=data.gender,
            age_band=data.age_band,
            disability=data.disability,
            displacement=data.displacement,
            sensitivity=data.sensitivity,
            created_by_id=actor.user_id if actor else None,
        )
        feedback.content = data.content
        feedback.save(force_insert=True)
        fields = ["content", "contact"] if contact else ["content"]
        if call is not None:
            CallDetails.objects.create(
                feedback=feedback,
                project=project,
                duration_seconds=call.duration_seconds,
                callback_requested=call.callback_requested,
                consent_asked=call.consent_asked,
                consent_answer=call.consent_answer if call.consent_asked else None,
            )
            fields += CALL_AUDIT_FIELDS
        record_event(
            "feedback.create",
            project_id=project.pk,
            actor=actor,
            object_type="feedback",
            object_id=feedback.pk,
            fields=fields,
            purpose=data.source,
        )
        transaction.on_commit(lambda: redact_feedback.enqueue(str(feedback.pk)))
    return feedback


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
