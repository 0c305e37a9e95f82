"""WhatsApp specifics beyond the shared contract: the subscription handshake, the
signature, message types, statuses on the same callback, and the Cloud API."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
import responses
from django.http import HttpRequest
from django.test import Client, RequestFactory

from responsemap.intake.channels.actions import do_create_channel
from responsemap.intake.channels.base import Inbound, Outgoing, Rejected, SendFailed
from responsemap.intake.channels.models import Channel
from responsemap.intake.channels.tests.conformance import WebhookRequest, inbound_url
from responsemap.intake.channels.tests.send_errors import refused
from responsemap.intake.channels.whatsapp.adapter import SIGNATURE_HEADER, WhatsAppType, sign
from responsemap.intake.channels.whatsapp.tests.case import (
    ACCESS_TOKEN,
    APP_SECRET,
    PHONE_NUMBER_ID,
    SEND_URL,
    VERIFY_TOKEN,
    event,
    message_value,
    sent_answer,
    signed,
    status_value,
    text_message,
    wamid,
)
from responsemap.intake.messages.models import InboundMessage, OutboundMessage
from responsemap.intake.messages.receive import do_receive_message
from responsemap.intake.messages.send import do_queue_outbound
from responsemap.projects.models import Project

SECRETS = {"access_token": ACCESS_TOKEN, "app_secret": APP_SECRET, "verify_token": VERIFY_TOKEN}
adapter = WhatsAppType()


def unsaved_channel(**config: Any) -> Channel:
    return Channel(kind="whatsapp", config={"phone_number_id": PHONE_NUMBER_ID, **config})


def post(payload: Any, secret: str = APP_SECRET) -> HttpRequest:
    body = json.dumps(payload).encode()
    return RequestFactory().post(
        "/r", body, content_type="application/json", headers={SIGNATURE_HEADER: sign(secret, body)}
    )


@pytest.fixture
def channel(project: Project) -> Channel:
    return do_create_channel(
        project_id=project.pk,
        kind="whatsapp",
        name="wa",
        address="+15550783881",
        config={"phone_number_id": PHONE_NUMBER_ID},
        secrets=SECRETS,
    )


def handshake(**query: str) -> WebhookRequest:
    return WebhookRequest(method="GET", query=query)


@pytest.mark.django_db
def test_subscription_handshake_answers_the_challenge(channel: Channel) -> None:
    request = handshake(
        **{"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}
    )
    response = request.send(Client(), inbound_url(channel))
    assert response.status_code == 200
    assert response.content == b"1158201444"
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"hub.mode": "subscribe", "hub.verify_token": "guessed", "hub.challenge": "1"}, 403),
        ({"hub.mode": "subscribe", "hub.challenge": "1"}, 401),
        ({"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"}, 400),
        ({"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN}, 400),
        (
            {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "<b>x"},
            400,
        ),
        ({}, 400),
    ],
)
def test_bad_handshakes_are_refused(channel: Channel, query: dict[str, str], status: int) -> None:
    response = handshake(**query).send(Client(), inbound_url(channel))
    assert response.status_code == status
    assert response.json()["error"]


@pytest.mark.parametrize(
    ("header", "status"),
    [(None, 401), ("sha256=00", 403), ("sha256=é", 403), ("sha1=abc", 403)],
)
def test_signature_is_required(header: str | None, status: int) -> None:
    headers = {SIGNATURE_HEADER: header} if header is not None else {}
    request = RequestFactory().post("/r", b"{}", content_type="application/json", headers=headers)
    with pytest.raises(Rejected) as refused:
        adapter.verify(request, unsaved_channel(), SECRETS)
    assert refused.value.status == status


def test_a_text_message() -> None:
    payload = event(message_value(text_message(wamid("a"), "50937001122", "Nou bezwen dlo")))
    [message] = adapter.parse(post(payload), unsaved_channel())
    assert message.provider_message_id == wamid("a")
    assert message.sender == "+50937001122"
    assert message.text == "Nou bezwen dlo"
    assert message.sent_at == datetime.fromtimestamp(1732190400, tz=UTC)
    assert message.meta == {}


def typed(kind: str, **payload: Any) -> dict[str, Any]:
    return {
        "from": "50937001122",
        "id": wamid(kind),
        "timestamp": "1732190400",
        "type": kind,
        **payload,
    }


IMAGE = {"mime_type": "image/jpeg", "sha256": "x", "id": "1"}
AUDIO = {"mime_type": "audio/ogg; codecs=opus", "id": "2", "voice": True}
LOCATION = {"latitude": 18.54, "longitude": -72.34, "name": "Kay"}
CONTACTS = [{"name": {"formatted_name": "Other"}, "phones": [{"phone": "+1"}]}]
BUTTON_REPLY = {"type": "button_reply", "button_reply": {"id": "1", "title": "Non"}}
LIST_REPLY = {"type": "list_reply", "list_reply": {"id": "2", "title": "Manje"}}


@pytest.mark.parametrize(
    ("message", "text"),
    [
        (typed("image", image=IMAGE), "[image]"),
        (typed("image", image={"caption": "Pon an kraze", "id": "1"}), "[image] Pon an kraze"),
        (typed("document", document={"caption": "Lis la"}), "[document] Lis la"),
        (typed("audio", audio=AUDIO), "[audio]"),
        (typed("sticker", sticker={"mime_type": "image/webp", "id": "3"}), "[sticker]"),
        (typed("location", location=LOCATION), "[location]"),
        (typed("contacts", contacts=CONTACTS), "[contacts]"),
        (typed("reaction", reaction={"message_id": "wamid.x", "emoji": "👍"}), "[reaction]"),
        (typed("button", button={"payload": "YES", "text": "Wi"}), "Wi"),
        (typed("interactive", interactive=BUTTON_REPLY), "Non"),
        (typed("interactive", interactive=LIST_REPLY), "Manje"),
        (typed("unsupported", errors=[{"code": 131051, "title": "Unknown"}]), "[unsupported]"),
        (typed("Weird Type!"), "[unsupported]"),
    ],
)
def test_other_types_become_placeholders(message: dict[str, Any], text: str) -> None:
    [inbound] = adapter.parse(post(event(message_value(message))), unsaved_channel())
    assert inbound.text == text
    # Coordinates, place names and third parties' numbers are never kept.
    for kept_nowhere in ("18.54", "Kay", "'+1'"):
        assert kept_nowhere not in str(inbound)


def test_system_messages_and_other_fields_store_nothing() -> None:
    system = typed(
        "system",
        system={"body": "User changed number", "wa_id": "1", "type": "user_changed_number"},
    )
    assert adapter.parse(post(event(message_value(system))), unsaved_channel()) == []
    template = event({})
    template["entry"][0]["changes"][0]["field"] = "message_template_status_update"
    assert adapter.parse(post(template), unsaved_channel()) == []


def test_events_for_another_number_of_the_app_are_skipped() -> None:
    payload = event(message_value(text_message(wamid("o"), "50937001122", "x")), "999999")
    assert adapter.parse(post(payload), unsaved_channel()) == []


def test_statuses_come_on_the_message_callback() -> None:
    ours = str(uuid.uuid4())
    payload = event(
        {
            "statuses": [
                *status_value(wamid("1"), "sent")["statuses"],
                *status_value(wamid("2"), "read", biz_opaque_callback_data=ours)["statuses"],
                *status_value(
                    wamid("3"),
                    "failed",
                    errors=[{"code": 131047, "title": "Re-engagement message"}],
                )["statuses"],
                *status_value(wamid("4"), "deleted")["statuses"],
            ]
        }
    )
    reports = adapter.parse_status(post(payload), unsaved_channel())
    assert [(r.provider_message_id, r.state) for r in reports] == [
        (wamid("1"), "sent"),
        (wamid("2"), "delivered"),
        (wamid("3"), "failed"),
    ]
    assert reports[1].outbound_id == ours
    assert reports[2].reason == "whatsapp error 131047"
    assert adapter.parse(post(payload), unsaved_channel()) == []  # no message in it


def test_an_echoed_id_that_is_not_ours_is_ignored() -> None:
    payload = event(status_value(wamid("1"), "delivered", biz_opaque_callback_data="x' OR 1=1"))
    [report] = adapter.parse_status(post(payload), unsaved_channel())
    assert report.outbound_id == ""


@pytest.mark.django_db
def test_statuses_only_event_is_acknowledged_and_stores_nothing(channel: Channel) -> None:
    response = signed(event(status_value(wamid("1"), "delivered"))).send(
        Client(), inbound_url(channel)
    )
    assert response.status_code == 200
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
def test_statuses_on_the_message_callback_update_outbound_messages(channel: Channel) -> None:
    received = do_receive_message(channel, Inbound(wamid("in"), "+50937001122", "Bonjou"))
    outbound = do_queue_outbound(
        channel=channel,
        contact=received.message.contact,  # type: ignore[arg-type]
        purpose=OutboundMessage.Purpose.REPLY,
        text="Mèsi",
    )
    payload = event(
        status_value(wamid("out"), "delivered", biz_opaque_callback_data=str(outbound.pk))
    )
    response = signed(payload).send(Client(), inbound_url(channel))
    assert response.status_code == 200
    outbound.refresh_from_db()
    assert outbound.state == OutboundMessage.State.DELIVERED


def outgoing(to: str = "+50937001122") -> Outgoing:
    return Outgoing(id=str(uuid.UUID(int=5)), to=to, text="Distribisyon an se jedi.", status_url="")


@responses.activate
def test_send_a_text_message() -> None:
    responses.post(SEND_URL, json=sent_answer(wamid("sent")))
    assert adapter.send(unsaved_channel(), SECRETS, outgoing()) == wamid("sent")
    request = responses.calls[0].request
    assert request.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert json.loads(request.body) == {  # type: ignore[arg-type]
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "50937001122",
        "type": "text",
        "text": {"preview_url": False, "body": "Distribisyon an se jedi."},
        "biz_opaque_callback_data": str(uuid.UUID(int=5)),
    }


@responses.activate
def test_graph_version_is_configurable() -> None:
    url = f"https://graph.facebook.com/v21.0/{PHONE_NUMBER_ID}/messages"
    responses.post(url, json=sent_answer(wamid("v21")))
    assert adapter.send(unsaved_channel(graph_version="v21.0"), SECRETS, outgoing()) == wamid("v21")


def graph_error(code: int, message: str) -> dict[str, Any]:
    return {
        "error": {
            "message": message,
            "type": "OAuthException",
            "code": code,
            "error_data": {"messaging_product": "whatsapp", "details": message},
            "fbtrace_id": "AbCdEf",
        }
    }


@responses.activate
@pytest.mark.parametrize(
    ("status", "code", "retry"),
    [
        (400, 131047, False),  # outside the 24-hour window
        (400, 131030, False),  # recipient not allowed (test numbers)
        (401, 190, False),  # expired access token
        (400, 130429, True),  # throughput limit
        (400, 131056, True),  # pair rate limit
        (500, 131000, True),
        (503, None, True),
    ],
)
def test_send_failures(status: int, code: int | None, retry: bool) -> None:
    message = "(#131030) Recipient phone number +50937001122 not in allowed list"
    responses.post(SEND_URL, status=status, json=graph_error(code, message) if code else None)
    with pytest.raises(SendFailed) as failed:
        adapter.send(unsaved_channel(), SECRETS, outgoing())
    assert failed.value.retry is retry
    assert "50937001122" not in failed.value.reason
    if code:
        assert str(code) in failed.value.reason


@responses.activate
def test_unreachable_is_retried() -> None:
    responses.post(SEND_URL, body=refused(SEND_URL))
    with pytest.raises(SendFailed) as failed:
        adapter.send(unsaved_channel(), SECRETS, outgoing())
    assert failed.value.retry is True


@responses.activate
def test_accepted_without_an_id_is_not_retried() -> None:
    responses.post(SEND_URL, json={"messaging_product": "whatsapp", "messages": []})
    with pytest.raises(SendFailed) as failed:
        adapter.send(unsaved_channel(), SECRETS, outgoing())
    assert failed.value.retry is False


@pytest.mark.parametrize(
    ("config", "secrets", "to"),
    [
        ({}, SECRETS, "+50937001122"),
        ({"phone_number_id": "../me"}, SECRETS, "+50937001122"),
        ({"phone_number_id": PHONE_NUMBER_ID, "graph_version": "latest"}, SECRETS, "+50937001122"),
        ({"phone_number_id": PHONE_NUMBER_ID}, {"app_secret": APP_SECRET}, "+50937001122"),
        ({"phone_number_id": PHONE_NUMBER_ID}, SECRETS, "telegram-handle"),
    ],
)
def test_bad_configuration_fails_for_good(
    config: dict[str, str], secrets: dict[str, str], to: str
) -> None:
    channel = Channel(kind="whatsapp", config=config)
    with pytest.raises(SendFailed) as failed:
        adapter.send(channel, secrets, outgoing(to))
    assert failed.value.retry is False
