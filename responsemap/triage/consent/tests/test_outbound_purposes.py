"""Every outbound path asks the purpose first, per purpose: the latest record naming it
counts, whatever later records say about other purposes."""

from __future__ import annotations

import pytest

from responsemap.intake.channels.models import Channel
from responsemap.intake.contacts.actions import do_record_consent
from responsemap.intake.contacts.consent import refusing_contacts
from responsemap.intake.contacts.models import ConsentRecord, Contact
from responsemap.intake.messages.models import OutboundMessage
from responsemap.intake.messages.send import do_queue_outbound
from responsemap.projects.models import Project
from responsemap.triage.models import Feedback
from responsemap.triage.referrals.actions import consent_to_share

pytestmark = pytest.mark.django_db
State = OutboundMessage.State


def say(project: Project, contact: Contact | None, given: bool, *purposes: str) -> None:
    do_record_consent(
        project_id=project.pk,
        contact=contact,
        given=given,
        method=ConsentRecord.Method.WRITTEN,
        purposes=list(purposes),
    )


@pytest.mark.parametrize(
    ("purpose", "refused", "state"),
    [
        ("reply", "respond", State.BLOCKED),  # staff replies, receipts, status answers
        ("alert", "respond", State.BLOCKED),
        ("campaign", "follow_up_surveys", State.BLOCKED),
        ("reply", "follow_up_surveys", State.QUEUED),
        ("campaign", "respond", State.QUEUED),
        ("notice", "respond", State.QUEUED),  # the person's own information
        ("opt_out_confirm", "respond", State.QUEUED),
    ],
)
def test_each_message_asks_its_own_purpose(
    project: Project,
    caller_record: Feedback,
    sms_channel: Channel,
    purpose: str,
    refused: str,
    state: str,
) -> None:
    contact = caller_record.contact
    assert contact is not None
    say(project, contact, False, refused)
    sent = do_queue_outbound(channel=sms_channel, contact=contact, purpose=purpose, text="x")
    assert sent.state == state


def test_a_later_record_for_another_purpose_does_not_undo_a_refusal(
    project: Project, caller_record: Feedback, sms_channel: Channel
) -> None:
    contact = caller_record.contact
    assert contact is not None
    say(project, contact, False, "respond")
    say(project, contact, True, "follow_up_surveys", "share_with_partners")
    assert refusing_contacts([contact.pk, None], "respond") == {contact.pk}
    assert refusing_contacts([contact.pk], "follow_up_surveys") == set()
    reply = do_queue_outbound(channel=sms_channel, contact=contact, purpose="reply", text="x")
    assert reply.state == State.BLOCKED


def test_a_referral_asks_the_latest_record_naming_sharing(
    project: Project, caller_record: Feedback
) -> None:
    contact = caller_record.contact
    say(project, contact, True, "share_with_partners")
    assert consent_to_share(caller_record) is not None
    say(project, contact, True, "respond")  # another purpose: sharing still agreed
    assert consent_to_share(caller_record) is not None
    say(project, contact, False, "share_with_partners")
    assert consent_to_share(caller_record) is None
