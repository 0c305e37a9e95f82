"""Every channel kind against the shared contract (see conformance.py)."""

from __future__ import annotations

import importlib
import uuid

import pytest
import responses
from django.test import Client

from responsemap.intake.channels.actions import do_create_channel
from responsemap.intake.channels.models import Channel
from responsemap.intake.channels.registry import ADAPTERS
from responsemap.intake.channels.tests.conformance import Case, inbound_url, status_url
from responsemap.intake.contacts.actions import do_set_consent_notice
from responsemap.intake.messages.models import InboundMessage, OutboundMessage
from responsemap.intake.messages.send import do_queue_outbound
from responsemap.projects.models import Project
from responsemap.protection.present import open_for_system
from responsemap.triage.models import Feedback

# Real commits: messages are processed and sent by tasks enqueued after commit.
pytestmark = pytest.mark.django_db(transaction=True)


def case_for(kind: str) -> Case:
    module = ADAPTERS[kind].rsplit(".", 2)[0]
    case_class = next(
        value
        for name, value in vars(importlib.import_module(f"{module}.tests.case")).items()
        if name.endswith("Case") and name != "Case"
    )
    case: Case = case_class()
    return case


def available_cases() -> list[str]:
    kinds = []
    for kind in ADAPTERS:
        try:
            case_for(kind)
        except ImportError:
            continue
        kinds.append(kind)
    return kinds


@pytest.fixture(params=available_cases())
def case(request: pytest.FixtureRequest) -> Case:
    return case_for(request.param)


@pytest.fixture
def channel(project: Project, case: Case) -> Channel:
    do_set_consent_notice(
        project_id=project.pk, language="fr", text="Nou resevwa mesaj ou. Voye STOP pou sispann."
    )
    return do_create_channel(
        project_id=project.pk,
        kind=case.kind,
        name=f"{case.kind} test",
        address=case.address,
        config=dict(case.config),
        secrets=dict(case.secrets),
    )


def test_message_is_stored_once_and_becomes_feedback(case: Case, channel: Channel) -> None:
    client = Client()
    request = case.inbound(channel, "msg-1", case.sender, "Dlo a koupe depi 3 jou — شكرا")
    first = request.send(client, inbound_url(channel))
    assert first.status_code == case.expected_status, first.content
    replay = case.inbound(channel, "msg-1", case.sender, "Dlo a koupe depi 3 jou — شكرا")
    assert replay.send(client, inbound_url(channel)).status_code == case.expected_status
    stored = InboundMessage.objects.get(channel=channel)
    assert open_for_system(stored, "text", purpose="test") == "Dlo a koupe depi 3 jou — شكرا"
    assert stored.contact is not None
    feedback = Feedback.objects.get(project_id=channel.project_id)
    assert open_for_system(feedback, "content", purpose="test") == "Dlo a koupe depi 3 jou — شكرا"


def test_forged_request_is_refused_and_stores_nothing(case: Case, channel: Channel) -> None:
    response = case.forged(channel, "msg-2", case.sender, "forged").send(
        Client(), inbound_url(channel)
    )
    assert response.status_code in (401, 403)
    assert response.json()["error"]
    assert not InboundMessage.objects.exists()


def test_malformed_requests_get_a_reason_never_a_500(case: Case, channel: Channel) -> None:
    for request in case.malformed(channel):
        response = request.send(Client(), inbound_url(channel))
        assert 400 <= response.status_code < 500, (request, response.content)
        assert response.json()["error"]
    assert not InboundMessage.objects.exists()


def test_oversized_body_is_refused(case: Case, channel: Channel) -> None:
    request = case.inbound(channel, "big", case.sender, "x" * 200_000)
    response = request.send(Client(), inbound_url(channel))
    assert response.status_code in (400, 413)
    assert not InboundMessage.objects.exists()


def test_unknown_channel_is_404() -> None:
    response = Client().post(f"/channels/{uuid.uuid4()}/receive", b"{}", "application/json")
    assert response.status_code == 404


@responses.activate
def test_reply_goes_out_through_the_provider_and_reports_update_it(
    case: Case, channel: Channel
) -> None:
    case.mock_send(responses, channel, "provider-42")
    case.inbound(channel, "msg-3", case.sender, "Kilè distribisyon an ye?").send(
        Client(), inbound_url(channel)
    )
    message = InboundMessage.objects.get(channel=channel)
    # The consent notice to the new number went out first; then our reply.
    reply = do_queue_outbound(
        channel=channel,
        contact=message.contact,  # type: ignore[arg-type]
        purpose=OutboundMessage.Purpose.REPLY,
        text="Distribisyon an se jedi.",
        in_reply_to=message,
    )
    reply.refresh_from_db()
    assert reply.state == OutboundMessage.State.SENT, (reply.last_error, reply.attempts)
    assert reply.provider_message_id
    notice = OutboundMessage.objects.get(channel=channel, purpose="notice")
    assert notice.state == OutboundMessage.State.SENT

    if not case.delivery_reports:
        return
    report = case.status(channel, reply.provider_message_id, "delivered")
    assert report.send(Client(), status_url(channel)).status_code == 200
    reply.refresh_from_db()
    assert reply.state == OutboundMessage.State.DELIVERED
