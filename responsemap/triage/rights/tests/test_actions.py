"""Data-subject requests, by their actions: find, export, rectify, withdraw, erase."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from responsemap.intake.contacts.models import ConsentRecord, Contact
from responsemap.intake.messages.models import InboundMessage, OutboundMessage
from responsemap.projects.models import Project
from responsemap.projects.sharing.models import DataSharingAgreement
from responsemap.protection.models import AuditEvent
from responsemap.protection.present import open_for_system
from responsemap.protection.system_opens import SystemPurpose
from responsemap.protection.viewer import Viewer
from responsemap.triage.duplicates.models import TextSignature
from responsemap.triage.models import Feedback, FeedbackToken
from responsemap.triage.queries import feedback_visible_to, with_words
from responsemap.triage.referrals.actions import ReferralRefused, do_refer_feedback
from responsemap.triage.replies.actions import do_reply_to_feedback
from responsemap.triage.replies.routing import ReplyRefused
from responsemap.triage.rights import actions
from responsemap.triage.rights.export import as_json, subject_file
from responsemap.triage.rights.models import RequestStatus, SubjectRequest
from responsemap.triage.rights.queries import find_by_phone, find_by_reference

from .conftest import NAME, PHONE, TEXT, TYPED_PHONE, Person

ViewerFor = Callable[[str], Viewer]


def _open(viewer: Viewer, person: Person, kind: str) -> SubjectRequest:
    return actions.do_open_subject_request(
        viewer, actions.NewRequest(kind=kind, contact=person.contact, language="fr")
    )


def test_the_person_is_found_by_phone_however_typed(as_viewer: ViewerFor, person: Person) -> None:
    dpo = as_viewer("protection")
    assert find_by_phone(dpo, TYPED_PHONE, "HT") == person.contact
    assert find_by_phone(dpo, PHONE, "HT") == person.contact
    assert find_by_phone(dpo, "+50937990000", "HT") is None


def test_the_person_is_found_by_reference_code(as_viewer: ViewerFor, person: Person) -> None:
    typed = person.record.reference.lower().replace("-", " ")
    record, contact = find_by_reference(as_viewer("protection"), typed)
    assert record == person.record
    assert contact == person.contact


@pytest.mark.parametrize("persona", ["operator", "officer", "manager", "partner", "donor"])
def test_other_roles_find_no_one_and_open_nothing(
    as_viewer: ViewerFor, person: Person, persona: str
) -> None:
    viewer = as_viewer(persona)
    assert find_by_phone(viewer, PHONE, "HT") is None
    assert find_by_reference(viewer, person.record.reference) == (None, None)
    events = AuditEvent.objects.count()
    with pytest.raises(actions.RequestRefused):
        _open(viewer, person, "access")
    assert not SubjectRequest.objects.exists()
    assert AuditEvent.objects.count() == events


def test_the_deadline_is_thirty_days_by_default(as_viewer: ViewerFor, person: Person) -> None:
    request = _open(as_viewer("protection"), person, "access")
    assert (request.due_at - request.received_at).days == 30
    assert request.status == RequestStatus.OPEN
    assert AuditEvent.objects.filter(action="subject_request.open").count() == 1


def test_the_export_holds_everything_and_its_audit(
    as_viewer: ViewerFor, person: Person, project: Project
) -> None:
    dpo = as_viewer("protection")
    do_reply_to_feedback(as_viewer("officer"), person.record.pk, "Nou resevwa mesaj ou")
    sections = {s.key: s for s in subject_file(dpo, person.contact, "fr")}
    text = json.dumps(as_json(list(sections.values()), project=project.name, language="fr"))
    assert PHONE in text
    assert NAME in text
    assert TEXT in text
    assert "Nou resevwa mesaj ou" in text
    assert person.record.reference in text
    assert len(sections["consents"].items) == 1
    assert len(sections["messages_received"].items) == 1
    assert len(sections["messages_sent"].items) == 1
    assert len(sections["replies"].items) == 1
    # Labels in the person's language (French catalogue, when translated) and the
    # audit names who changed the record.
    assert any("officer" in str(dict(item).values()) for item in sections["audit"].items)
    # Building it revealed the sealed fields, each audited.
    assert AuditEvent.objects.filter(action="field.reveal", purpose="subject_access").exists()


def test_rectify_contact_and_record_text(as_viewer: ViewerFor, person: Person) -> None:
    dpo = as_viewer("protection")
    request = _open(dpo, person, "rectify")
    actions.do_rectify_contact(dpo, request.pk, name="Wilner J.", language="ht")
    contact = Contact.objects.get(pk=person.contact.pk)
    assert open_for_system(contact, "name", purpose=SystemPurpose.TEST) == "Wilner J."
    assert contact.language == "ht"
    actions.do_rectify_record_text(dpo, request.pk, person.record.pk, "Dlo a koupe nan Dame Marie")
    record = Feedback.objects.get(pk=person.record.pk)
    assert "Dame Marie" in (open_for_system(record, "content", purpose=SystemPurpose.TEST) or "")
    rows = feedback_visible_to(dpo)
    assert not with_words(rows, record.project_id, "Jeremi").exists()
    events = AuditEvent.objects.filter(action__startswith="subject_request.rectify")
    assert events.count() == 2


def test_a_phone_number_of_another_person_is_refused(
    as_viewer: ViewerFor, person: Person, project: Project
) -> None:
    from responsemap.intake.contacts.actions import do_get_or_create_contact

    do_get_or_create_contact(project_id=project.pk, country="HT", raw_phone="+50937990177")
    dpo = as_viewer("protection")
    request = _open(dpo, person, "rectify")
    with pytest.raises(actions.RequestRefused):
        actions.do_rectify_contact(dpo, request.pk, phone="+50937990177", country="HT")
    assert Contact.objects.get(pk=person.contact.pk).phone_index == person.contact.phone_index


def test_withdrawal_stops_a_reply_and_a_referral(
    as_viewer: ViewerFor, person: Person, agreement: DataSharingAgreement
) -> None:
    dpo = as_viewer("protection")
    counts = actions.do_withdraw_consent(dpo, _open(dpo, person, "withdraw").pk)
    assert counts["consents"] == 1
    assert counts["records"] == 1
    assert ConsentRecord.objects.filter(contact=person.contact, withdrawn_at=None).count() == 0
    assert Feedback.objects.get(pk=person.record.pk).consent_withdrawn_at is not None
    with pytest.raises(ReplyRefused):
        do_reply_to_feedback(as_viewer("officer"), person.record.pk, "Nou la")
    with pytest.raises(ReferralRefused):
        do_refer_feedback(
            as_viewer("officer"), person.record.pk, agreement.pk, "", consent_confirmed=True
        )
    assert not OutboundMessage.objects.exclude(state=OutboundMessage.State.BLOCKED).exists()
    assert SubjectRequest.objects.get().status == RequestStatus.DONE


def test_withdrawal_blocks_a_message_already_queued(as_viewer: ViewerFor, person: Person) -> None:
    from responsemap.intake.messages.send import is_refused

    result = do_reply_to_feedback(as_viewer("officer"), person.record.pk, "Nou la")
    dpo = as_viewer("protection")
    actions.do_withdraw_consent(dpo, _open(dpo, person, "withdraw").pk)
    outbound = OutboundMessage.objects.select_related("contact").get(pk=result.outbound.pk)
    assert outbound.state == OutboundMessage.State.BLOCKED
    assert is_refused(outbound.contact, OutboundMessage.Purpose.ALERT)


def test_erasure_leaves_nothing_findable(
    as_viewer: ViewerFor, person: Person, project: Project
) -> None:
    dpo = as_viewer("protection")
    do_reply_to_feedback(as_viewer("officer"), person.record.pk, "Nou resevwa mesaj ou")
    assert with_words(feedback_visible_to(dpo), project.pk, "dlo").exists()
    request = _open(dpo, person, "erase")
    counts = actions.do_erase_subject(dpo, request.pk)
    assert counts["records"] == 1
    assert counts["messages_received"] == 1
    # The tombstone stays for the counts, saying so; nothing of what was said.
    record = Feedback.objects.get(pk=person.record.pk)
    assert record.erased_at is not None
    assert record.contact_id is None
    assert record.content is None
    assert record.redacted_content is None
    assert record.type_code == "complaint"
    # Gone from search, the blind index, duplicates, messages, consents, the contact.
    assert not with_words(feedback_visible_to(dpo), project.pk, "dlo").exists()
    assert not FeedbackToken.objects.filter(feedback_id=record.pk).exists()
    assert not TextSignature.objects.filter(feedback_id=record.pk).exists()
    assert find_by_phone(dpo, PHONE, "HT") is None
    assert find_by_reference(dpo, record.reference) == (record, None)
    assert not Contact.objects.filter(pk=person.contact.pk).exists()
    assert not InboundMessage.objects.exists()
    assert not OutboundMessage.objects.exists()
    assert not ConsentRecord.objects.exists()
    closed = SubjectRequest.objects.get()
    assert closed.status == RequestStatus.DONE
    assert closed.contact_id is None
    assert closed.outcome["records"] == 1
    # An export can't be made of them any more; the inbox's copy shows nothing.
    with pytest.raises(actions.RequestRefused):
        actions.do_withdraw_consent(dpo, request.pk)
    actions_done = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"subject_request.tombstone", "subject_request.purge", "feedback.erase"} <= actions_done


def test_a_closed_request_changes_nothing(as_viewer: ViewerFor, person: Person) -> None:
    dpo = as_viewer("protection")
    request = _open(dpo, person, "access")
    actions.do_close_subject_request(dpo, request.pk, RequestStatus.DONE)
    with pytest.raises(actions.RequestRefused):
        actions.do_erase_subject(dpo, request.pk)
    assert Contact.objects.filter(pk=person.contact.pk, erased_at=None).exists()


def test_another_project_s_request_is_not_found(
    as_viewer: ViewerFor, person: Person, other_project: Project
) -> None:
    request = _open(as_viewer("protection"), person, "access")
    with pytest.raises((Http404, actions.RequestRefused, PermissionDenied)):
        actions.do_erase_subject(as_viewer("officer"), request.pk)
    assert Contact.objects.filter(pk=person.contact.pk, erased_at=None).exists()


def test_consent_kinds_need_their_detail_and_seal_it(project: Project, person: Person) -> None:
    from responsemap.intake.contacts.actions import ConsentIncomplete, do_record_consent

    with pytest.raises(ConsentIncomplete):
        do_record_consent(
            project_id=project.pk,
            contact=person.contact,
            given=True,
            method=ConsentRecord.Method.ASSENT,
            purposes=["respond"],
        )
    with pytest.raises(ConsentIncomplete):
        do_record_consent(
            project_id=project.pk,
            contact=person.contact,
            given=True,
            method=ConsentRecord.Method.VERBAL,
            purposes=["anything"],
        )
    record = do_record_consent(
        project_id=project.pk,
        contact=person.contact,
        given=True,
        method=ConsentRecord.Method.VERBAL,
        purposes=["respond", "follow_up_surveys"],
        notice_version="fr-v2",
        witness_name="Marie-Claude Pierre",
    )
    record.refresh_from_db()
    assert open_for_system(record, "witness_name", purpose=SystemPurpose.TEST) == (
        "Marie-Claude Pierre"
    )
    event = AuditEvent.objects.filter(action="consent.record").last()
    assert event is not None


def test_a_campaign_checks_follow_up_consent(as_viewer: ViewerFor, person: Person) -> None:
    from responsemap.intake.contacts.actions import do_record_consent
    from responsemap.intake.messages.send import is_refused

    campaign = OutboundMessage.Purpose.CAMPAIGN
    assert not is_refused(person.contact, campaign)  # no record names surveys yet
    do_record_consent(
        project_id=person.contact.project_id,
        contact=person.contact,
        given=False,
        method=ConsentRecord.Method.VERBAL,
        purposes=["follow_up_surveys"],
        witness_name="Staff",
    )
    assert is_refused(person.contact, campaign)
    assert not is_refused(person.contact, OutboundMessage.Purpose.REPLY)
