from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from responsemap.geo.models import AdminArea
from responsemap.intake.actions import do_get_or_create_contact, do_record_consent
from responsemap.intake.models import ConsentRecord
from responsemap.projects.models import Project
from responsemap.protection.audit import record_event
from responsemap.protection.viewer import Viewer
from responsemap.triage.choices import Channel, Sensitivity
from responsemap.triage.models import Feedback
from responsemap.triage.tasks import redact_feedback


@dataclass
class NewFeedback:
    channel: str
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


CONSENT_METHOD_BY_CHANNEL = {
    Channel.HOTLINE: ConsentRecord.Method.VERBAL,
    Channel.WEB: ConsentRecord.Method.WEB_NOTICE,
    Channel.SMS: ConsentRecord.Method.SMS_NOTICE,
}


def do_create_feedback(project: Project, data: NewFeedback, actor: Viewer | None) -> Feedback:
    """Store one piece of feedback: contact (sealed phone), consent, record, audit event.

    Without consent the phone number is not kept: the feedback is stored anonymously.
    """
    with transaction.atomic():
        contact = None
        if data.phone and data.consent_given is not False:
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
                method=CONSENT_METHOD_BY_CHANNEL.get(
                    Channel(data.channel), ConsentRecord.Method.VERBAL
                ),
                purposes=data.consent_purposes,
                actor=actor,
            )
        feedback = Feedback(
            project=project,
            channel=data.channel,
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
        record_event(
            "feedback.create",
            project_id=project.pk,
            actor=actor,
            object_type="feedback",
            object_id=feedback.pk,
            fields=["content", "contact"] if contact else ["content"],
            purpose=data.channel,
        )
        transaction.on_commit(lambda: redact_feedback.enqueue(str(feedback.pk)))
    return feedback


def do_view_feedback(feedback: Feedback, viewer: Viewer) -> None:
    """Log that a person opened a record (masked); reveals are logged by present()."""
    record_event(
        "feedback.view",
        project_id=feedback.project_id,
        actor=viewer,
        object_type="feedback",
        object_id=feedback.pk,
    )
