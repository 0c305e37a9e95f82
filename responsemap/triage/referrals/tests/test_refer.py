"""Referring a record: only under an agreement in force that covers it, with consent to
share, by a role that may edit it; a refusal changes nothing."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.http import Http404

from responsemap.accounts.models import User
from responsemap.accounts.queries import viewer_for
from responsemap.intake.contacts.models import ConsentRecord
from responsemap.projects.models import Project
from responsemap.projects.sharing.actions import do_revoke_agreement
from responsemap.projects.sharing.models import DataSharingAgreement
from responsemap.protection.audit_catalogue import ACTION_LABELS
from responsemap.protection.models import AuditEvent
from responsemap.protection.viewer import Viewer
from responsemap.triage.models import Feedback
from responsemap.triage.referrals.actions import ReferralRefused, do_refer_feedback
from responsemap.triage.referrals.models import Disclosure, DisclosureKind, Referral
from responsemap.triage.referrals.queries import today
from responsemap.triage.referrals.tests.conftest import consents_to_share

pytestmark = pytest.mark.django_db


def snapshot(record: Feedback) -> tuple[object, ...]:
    record.refresh_from_db()
    return (
        record.status,
        Referral.objects.count(),
        Disclosure.objects.count(),
        ConsentRecord.objects.count(),
        AuditEvent.objects.filter(action__startswith="referral.").count(),
        AuditEvent.objects.filter(action="feedback.change_status").count(),
    )


def test_a_referral_moves_the_record_and_is_logged(
    viewers: dict[str, Viewer],
    agreement: DataSharingAgreement,
    make_ready: Callable[..., Feedback],
) -> None:
    record = make_ready()
    referral = do_refer_feedback(viewers["officer"], record.pk, agreement.pk, "Please call her")
    record.refresh_from_db()
    assert record.status == "referred"
    assert referral.status == "sent"
    assert referral.consent is not None
    assert "share_with_partners" in referral.consent.purposes
    (line,) = Disclosure.objects.filter(agreement=agreement)
    assert (line.kind, line.reference, line.person_label) == (
        "referred",
        record.reference,
        "officer",
    )
    assert line.fields == ["reference", "type_code", "sector", "redacted_content"]
    event = AuditEvent.objects.get(action="referral.referred")
    assert event.uid == line.event_uid
    assert event.object_id == str(record.pk)
    # The note is sealed at rest.
    raw = Referral.objects.filter(pk=referral.pk).values_list("note", flat=True).get()
    assert b"Please call her" not in bytes(raw)


def test_every_disclosure_kind_has_words() -> None:
    for kind in DisclosureKind:
        assert f"referral.{kind.value}" in ACTION_LABELS


def test_an_officer_confirms_consent_when_none_is_recorded(
    viewers: dict[str, Viewer],
    agreement: DataSharingAgreement,
    make_ready: Callable[..., Feedback],
) -> None:
    record = make_ready(share=False)
    before = snapshot(record)
    with pytest.raises(ReferralRefused, match="Consent to share"):
        do_refer_feedback(viewers["officer"], record.pk, agreement.pk, "")
    assert snapshot(record) == before
    referral = do_refer_feedback(
        viewers["officer"], record.pk, agreement.pk, "", consent_confirmed=True
    )
    assert consents_to_share(record) == 1
    assert referral.consent is not None
    assert referral.consent.recorded_by_id is not None
    assert AuditEvent.objects.filter(action="consent.record", actor_label="officer").exists()


def test_an_anonymous_record_needs_the_officers_confirmation(
    viewers: dict[str, Viewer],
    agreement: DataSharingAgreement,
    make_ready: Callable[..., Feedback],
) -> None:
    record = make_ready(phone="", consent_given=None)
    assert record.contact_id is None
    with pytest.raises(ReferralRefused):
        do_refer_feedback(viewers["officer"], record.pk, agreement.pk, "")
    do_refer_feedback(viewers["officer"], record.pk, agreement.pk, "", consent_confirmed=True)
    assert Referral.objects.filter(feedback=record).exists()


def test_withdrawn_consent_is_no_consent(
    viewers: dict[str, Viewer],
    agreement: DataSharingAgreement,
    make_ready: Callable[..., Feedback],
) -> None:
    record = make_ready()
    ConsentRecord.objects.filter(contact=record.contact).update(
        withdrawn_at=datetime.datetime.now(tz=datetime.UTC)
    )
    with pytest.raises(ReferralRefused, match="Consent to share"):
        do_refer_feedback(viewers["officer"], record.pk, agreement.pk, "")


@pytest.mark.parametrize(
    "case",
    ["expired", "not_yet", "revoked", "wrong_type", "wrong_sector", "other_project", "bad_status"],
)
def test_refused_and_nothing_changes(
    viewers: dict[str, Viewer],
    make_agreement: Callable[..., DataSharingAgreement],
    make_ready: Callable[..., Feedback],
    make_feedback: Callable[..., Feedback],
    other_project: Project,
    case: str,
) -> None:
    day = today()
    record = make_ready()
    agreement = make_agreement()
    if case == "expired":
        agreement = make_agreement(
            document_reference="OLD",
            valid_from=day - datetime.timedelta(days=60),
            valid_to=day - datetime.timedelta(days=1),
        )
    elif case == "not_yet":
        agreement = make_agreement(
            document_reference="LATER", valid_from=day + datetime.timedelta(days=1)
        )
    elif case == "revoked":
        do_revoke_agreement(viewers["manager"], agreement.pk, "Partner closed its office")
    elif case == "wrong_type":
        record = make_ready(type_code="rumour")
    elif case == "wrong_sector":
        record = make_ready(sector="food")
    elif case == "other_project":
        DataSharingAgreement.objects.filter(pk=agreement.pk).update(project=other_project)
    elif case == "bad_status":
        record = make_feedback("new and untouched", type_code="complaint", sector="health")
    before = snapshot(record)
    with pytest.raises(ReferralRefused):
        do_refer_feedback(viewers["officer"], record.pk, agreement.pk, "x")
    assert snapshot(record) == before


def test_twice_under_one_agreement_is_refused(
    viewers: dict[str, Viewer],
    agreement: DataSharingAgreement,
    make_ready: Callable[..., Feedback],
) -> None:
    record = make_ready()
    do_refer_feedback(viewers["officer"], record.pk, agreement.pk, "")
    before = snapshot(record)
    with pytest.raises(ReferralRefused, match="already referred"):
        do_refer_feedback(viewers["officer"], record.pk, agreement.pk, "")
    assert snapshot(record) == before


@pytest.mark.parametrize("persona", ["operator", "donor", "partner", "outsider"])
def test_roles_that_may_not_edit_get_a_404_and_nothing_changes(
    viewers: dict[str, Viewer],
    personas: dict[str, User],
    other_project: Project,
    agreement: DataSharingAgreement,
    make_ready: Callable[..., Feedback],
    persona: str,
) -> None:
    record = make_ready()
    viewer = viewers.get(persona) or viewer_for(personas[persona], other_project.pk)
    assert viewer is not None
    before = snapshot(record)
    with pytest.raises(Http404):
        do_refer_feedback(viewer, record.pk, agreement.pk, "", consent_confirmed=True)
    assert snapshot(record) == before


def test_a_protection_case_is_referred_only_by_a_protection_role(
    viewers: dict[str, Viewer],
    agreement: DataSharingAgreement,
    make_ready: Callable[..., Feedback],
) -> None:
    record = make_ready(type_code="protection", sector="protection")
    assert record.sensitivity == "sensitive"
    before = snapshot(record)
    for persona in ("officer", "manager"):
        with pytest.raises(Http404):
            do_refer_feedback(viewers[persona], record.pk, agreement.pk, "")
    assert snapshot(record) == before
    do_refer_feedback(viewers["protection"], record.pk, agreement.pk, "")
    record.refresh_from_db()
    assert record.status == "referred"
