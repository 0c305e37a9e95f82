"""Telegram specifics beyond the shared contract: which updates become messages, ids
per chat, handles, and the Bot API."""

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
from responsemap.intake.channels.base import Outgoing, Rejected, SendFailed
from responsemap.intake.channels.models import Channel
from responsemap.intake.channels.telegram.adapter import SECRET_HEADER, TelegramType
from responsemap.intake.channels.telegram.tests.case import (
    BOT_TOKEN,
    CHAT_ID,
    SECRET_TOKEN,
    SEND_URL,
    sent_message,
    text_update,
    update_request,
)
from responsemap.intake.channels.tests.conformance import inbound_url, status_url
from responsemap.intake.channels.tests.send_errors import refused
from responsemap.intake.contacts.models import Contact
from responsemap.intake.messages.models import InboundMessage
from responsemap.projects.models import Project
from responsemap.protection.present import open_for_system

SECRETS = {"bot_token": BOT_TOKEN, "secret_token": SECRET_TOKEN}
adapter = TelegramType()


def unsaved_channel() -> Channel:
    return Channel(kind="telegram", address="@ResponseMapTestBot")


def post(update: Any, **headers: str) -> HttpRequest:
    return RequestFactory().post(
        "/r", json.dumps(update), content_type="application/json", headers=headers
    )


@pytest.mark.parametrize(
    ("headers", "secrets", "status"),
    [
        ({}, SECRETS, 401),
        ({SECRET_HEADER: "guessed"}, SECRETS, 403),
        ({SECRET_HEADER: "sécret"}, SECRETS, 403),  # non-ASCII must not crash the compare
        ({SECRET_HEADER: SECRET_TOKEN}, {"bot_token": BOT_TOKEN}, 403),
    ],
)
def test_secret_token_header(headers: dict[str, str], secrets: dict[str, str], status: int) -> None:
    with pytest.raises(Rejected) as refused:
        adapter.verify(post({}, **headers), unsaved_channel(), secrets)
    assert refused.value.status == status


def test_a_private_text_message() -> None:
    [message] = adapter.parse(
        post(text_update(57, CHAT_ID, " Kote pou m ale? ")), unsaved_channel()
    )
    assert message.provider_message_id == f"{CHAT_ID}:57"
    assert message.sender == f"telegram:{CHAT_ID}"
    assert message.is_handle
    assert message.text == "Kote pou m ale?"
    assert message.sent_at == datetime.fromtimestamp(1732190400, tz=UTC)


def with_message(**fields: Any) -> dict[str, Any]:
    update = text_update(58, CHAT_ID, "x")
    del update["message"]["text"]
    update["message"].update(fields)
    return update


PHOTO = [{"file_id": "AgAD", "file_unique_id": "AQAD", "width": 90, "height": 67}]


@pytest.mark.parametrize(
    "update",
    [
        {"update_id": 1, "edited_message": text_update(5, CHAT_ID, "edited")["message"]},
        {"update_id": 2, "callback_query": {"id": "4382", "from": {"id": CHAT_ID}, "data": "yes"}},
        {"update_id": 3, "my_chat_member": {"chat": {"id": CHAT_ID, "type": "private"}}},
        {"update_id": 4, "channel_post": text_update(6, -100123, "news")["message"]},
        with_message(sticker={"file_id": "CAAC", "emoji": "👍"}),
        with_message(photo=PHOTO),
        with_message(location={"latitude": 18.54, "longitude": -72.34}),
        with_message(contact={"phone_number": "+50937001122", "first_name": "Other"}),
        {
            "update_id": 5,
            "message": {
                **text_update(7, -4001, "in a group")["message"],
                "chat": {"id": -4001, "title": "Camp committee", "type": "group"},
            },
        },
        {
            "update_id": 6,
            "message": {
                **text_update(8, CHAT_ID, "from a bot")["message"],
                "from": {"id": 42, "is_bot": True, "first_name": "Bot"},
            },
        },
    ],
)
def test_updates_that_are_not_a_private_text_store_nothing(update: dict[str, Any]) -> None:
    assert adapter.parse(post(update), unsaved_channel()) == []


def test_a_captioned_photo_keeps_its_caption_only() -> None:
    [message] = adapter.parse(
        post(with_message(photo=PHOTO, caption="Pon an kraze")), unsaved_channel()
    )
    assert message.text == "[photo] Pon an kraze"


@pytest.mark.django_db
def test_message_ids_are_per_chat(project: Project) -> None:
    channel = do_create_channel(
        project_id=project.pk, kind="telegram", name="t", address="@bot", secrets=SECRETS
    )
    for chat in (111, 222):
        response = update_request(text_update(1, chat, "Bonjou")).send(
            Client(), inbound_url(channel)
        )
        assert response.status_code == 200
        assert response.json() == {"ok": True, "stored": 1}
    assert InboundMessage.objects.filter(channel=channel).count() == 2
    handles = {open_for_system(c, "handle", purpose="test") for c in Contact.objects.all()}
    assert handles == {"telegram:111", "telegram:222"}


@pytest.mark.django_db
def test_status_endpoint_acknowledges_and_changes_nothing(project: Project) -> None:
    channel = do_create_channel(
        project_id=project.pk, kind="telegram", name="t", address="@bot", secrets=SECRETS
    )
    response = update_request({"update_id": 1}).send(Client(), status_url(channel))
    assert response.json() == {"ok": True, "updated": 0}


def outgoing(to: str = str(CHAT_ID)) -> Outgoing:
    return Outgoing(id=str(uuid.UUID(int=3)), to=to, text="Mèsi, nou resevwa l.", status_url="")


@responses.activate
def test_send_message() -> None:
    responses.post(SEND_URL, json=sent_message(CHAT_ID, 77))
    assert adapter.send(unsaved_channel(), SECRETS, outgoing()) == f"{CHAT_ID}:77"
    assert json.loads(responses.calls[0].request.body) == {  # type: ignore[arg-type]
        "chat_id": CHAT_ID,
        "text": "Mèsi, nou resevwa l.",
    }


@responses.activate
@pytest.mark.parametrize(
    ("status", "description", "retry"),
    [
        (403, "Forbidden: bot was blocked by the user", False),
        (400, "Bad Request: chat not found", False),
        (401, "Unauthorized", False),
        (429, "Too Many Requests: retry after 5", True),
        (502, "Bad Gateway", True),
    ],
)
def test_send_failures(status: int, description: str, retry: bool) -> None:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if status == 429:
        body["parameters"] = {"retry_after": 5}
    responses.post(SEND_URL, status=status, json=body)
    with pytest.raises(SendFailed) as failed:
        adapter.send(unsaved_channel(), SECRETS, outgoing())
    assert failed.value.retry is retry
    assert description in failed.value.reason


@responses.activate
def test_unreachable_is_retried_and_the_token_stays_out_of_the_error() -> None:
    responses.post(SEND_URL, body=refused(SEND_URL))
    with pytest.raises(SendFailed) as failed:
        adapter.send(unsaved_channel(), SECRETS, outgoing())
    assert failed.value.retry is True
    assert BOT_TOKEN not in failed.value.reason


@pytest.mark.parametrize(
    ("secrets", "to"),
    [
        ({"secret_token": SECRET_TOKEN}, str(CHAT_ID)),
        ({"bot_token": "not a token/../x"}, str(CHAT_ID)),
        (SECRETS, "+50937001122"),
    ],
)
def test_send_refuses_bad_configuration_for_good(secrets: dict[str, str], to: str) -> None:
    with pytest.raises(SendFailed) as failed:
        adapter.send(unsaved_channel(), secrets, outgoing(to))
    assert failed.value.retry is False


def test_there_are_no_delivery_reports() -> None:
    assert adapter.parse_status(post(text_update(1, CHAT_ID, "x")), unsaved_channel()) == []
