"""Fixtures of the referral tests: a partner with a linked partner user, an agreement in
force, and a record ready to refer (in progress, consent to share recorded)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest

from responsemap.accounts.models import User
from responsemap.accounts.queries import viewer_for
from responsemap.intake.contacts.models import ConsentRecord
from responsemap.projects.models import Project
from responsemap.projects.sharing.actions import (
    NewAgreement,
    do_create_agreement,
    do_create_partner,
    do_link_partner_user,
)
from responsemap.projects.sharing.models import DataSharingAgreement, Partner
from responsemap.protection.viewer import Viewer
from responsemap.triage.actions import do_change_status
from responsemap.triage.models import Feedback
from responsemap.triage.referrals.actions import SHARE_PURPOSE
from responsemap.triage.referrals.queries import today

PHONE = "+50937990101"


@pytest.fixture
def viewers(personas: dict[str, User], project: Project) -> dict[str, Viewer]:
    found = {}
    for code, user in personas.items():
        viewer = viewer_for(user, project.pk)
        if viewer is not None:
            found[code] = viewer
    return found


@pytest.fixture
def partner(viewers: dict[str, Viewer], personas: dict[str, User]) -> Partner:
    made = do_create_partner(viewers["manager"], "Clinique Espoir")
    do_link_partner_user(viewers["manager"], made.pk, personas["partner"].pk)
    return made


@pytest.fixture
def make_agreement(
    viewers: dict[str, Viewer], partner: Partner
) -> Callable[..., DataSharingAgreement]:
    def make(**changes: Any) -> DataSharingAgreement:
        day = today()
        data: dict[str, Any] = {
            "partner_id": partner.pk,
            "purpose": "Health follow-up",
            "document_reference": "DSA-2026-014",
            "valid_from": day - datetime.timedelta(days=30),
            "valid_to": day + datetime.timedelta(days=30),
            "fields_allowed": ["type_code", "sector", "redacted_content"],
            "types_allowed": ["complaint", "request", "protection"],
            "sectors_allowed": ["health", "protection"],
        }
        data.update(changes)
        return do_create_agreement(viewers["manager"], NewAgreement(**data))

    return make


@pytest.fixture
def agreement(make_agreement: Callable[..., DataSharingAgreement]) -> DataSharingAgreement:
    return make_agreement()


@pytest.fixture
def make_ready(
    make_feedback: Callable[..., Feedback], viewers: dict[str, Viewer]
) -> Callable[..., Feedback]:
    """A record in progress, its sender's consent to share recorded (unless told not)."""

    def make(
        content: str = "The clinic turned my child away, call me",
        *,
        share: bool = True,
        **fields: Any,
    ) -> Feedback:
        fields.setdefault("type_code", "complaint")
        fields.setdefault("sector", "health")
        fields.setdefault("phone", PHONE)
        fields.setdefault("consent_given", True)
        purposes = ["respond", SHARE_PURPOSE] if share else ["respond"]
        record = make_feedback(content, consent_purposes=purposes, **fields)
        record.redacted_content = f"{content} [redacted]"
        record.save(update_fields=["redacted_content"])
        editor = viewers["protection"] if record.sensitivity == "sensitive" else viewers["officer"]
        do_change_status(editor, record.pk, "triaged")
        do_change_status(editor, record.pk, "in_progress")
        record.refresh_from_db()
        return record

    return make


def consents_to_share(record: Feedback) -> int:
    return sum(
        SHARE_PURPOSE in c.purposes for c in ConsentRecord.objects.filter(contact=record.contact)
    )
