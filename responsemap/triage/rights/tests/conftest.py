"""A person with everything a project can hold about them: a contact with a phone
number and a name, consent for answers and referrals, an SMS they sent and the record
made from it, a reply queued to them, a referral under an agreement in force."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.utils import timezone

from responsemap.accounts.models import User
from responsemap.accounts.queries import viewer_for
from responsemap.intake.channels.actions import do_create_channel
from responsemap.intake.channels.models import Channel
from responsemap.intake.contacts.actions import do_get_or_create_contact, do_record_consent
from responsemap.intake.contacts.models import ConsentRecord, Contact
from responsemap.intake.messages.models import InboundMessage
from responsemap.projects.models import Project
from responsemap.projects.sharing.actions import (
    NewAgreement,
    do_create_agreement,
    do_create_partner,
)
from responsemap.projects.sharing.models import DataSharingAgreement
from responsemap.protection.viewer import Viewer
from responsemap.triage.actions import do_change_status
from responsemap.triage.models import Feedback
from responsemap.triage.redaction import apply_redaction, write_search_tokens
from responsemap.triage.referrals.queries import today

PHONE = "+50937990155"
TYPED_PHONE = "3799 0155"  # as a person says it, read in the project's country (HT)
TEXT = "Mwen rele Wilner, dlo a koupe nan Jeremi depi lendi"
NAME = "Wilner Joseph"


@pytest.fixture
def as_viewer(personas: dict[str, User], project: Project) -> Callable[[str], Viewer]:
    def make(persona: str) -> Viewer:
        viewer = viewer_for(personas[persona], project.pk)
        assert viewer is not None
        return viewer

    return make


@pytest.fixture
def sms_channel(project: Project) -> Channel:
    return do_create_channel(project_id=project.pk, kind="kannel", name="Kannel", secrets={})


@pytest.fixture
def agreement(as_viewer: Callable[[str], Viewer]) -> DataSharingAgreement:
    manager = as_viewer("manager")
    partner = do_create_partner(manager, "Clinique Espoir")
    day = today()
    return do_create_agreement(
        manager,
        NewAgreement(
            partner_id=partner.pk,
            purpose="Health follow-up",
            document_reference="DSA-2026-020",
            valid_from=day - datetime.timedelta(days=30),
            valid_to=day + datetime.timedelta(days=30),
            fields_allowed=["type_code", "sector", "redacted_content"],
            types_allowed=["complaint"],
            sectors_allowed=["health"],
        ),
    )


@dataclass
class Person:
    contact: Contact
    record: Feedback
    message: InboundMessage


@pytest.fixture
def person(
    project: Project,
    sms_channel: Channel,
    make_feedback: Callable[..., Feedback],
    as_viewer: Callable[[str], Viewer],
) -> Person:
    contact, _new = do_get_or_create_contact(
        project_id=project.pk, country="HT", raw_phone=PHONE, language="fr", name=NAME
    )
    do_record_consent(
        project_id=project.pk,
        contact=contact,
        given=True,
        method=ConsentRecord.Method.VERBAL,
        purposes=["respond", "share_with_partners"],
        notice_version="fr-v1",
    )
    message = InboundMessage(
        project=project,
        channel=sms_channel,
        provider_message_id="m-1",
        contact=contact,
        received_at=timezone.now(),
    )
    message.text = TEXT
    message.save(force_insert=True)
    record = make_feedback(
        TEXT,
        source="sms",
        contact=contact,
        inbound_message_id=message.pk,
        language="fr",
        type_code="complaint",
        sector="health",
    )
    apply_redaction(record, TEXT)
    record.save(update_fields=["redacted_content", "redacted_at", "area"])
    write_search_tokens([record], replace=True)
    officer = as_viewer("officer")
    do_change_status(officer, record.pk, "triaged")
    do_change_status(officer, record.pk, "in_progress")
    record.refresh_from_db()
    return Person(contact, record, message)
