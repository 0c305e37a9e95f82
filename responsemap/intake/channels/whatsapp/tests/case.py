from __future__ import annotations

import json
from typing import Any

from responsemap.intake.channels.models import Channel
from responsemap.intake.channels.tests.conformance import Case, WebhookRequest
from responsemap.intake.channels.whatsapp.adapter import (
    API_URL,
    DEFAULT_VERSION,
    SIGNATURE_HEADER,
    sign,
)

APP_SECRET = "meta-app-secret-0123456789"
VERIFY_TOKEN = "wa-verify-token"
ACCESS_TOKEN = "EAAGtestAccessToken0123456789"
PHONE_NUMBER_ID = "106540352242922"
WABA_ID = "102290129340398"
DISPLAY_NUMBER = "15550783881"
SEND_URL = API_URL.format(version=DEFAULT_VERSION, phone_number_id=PHONE_NUMBER_ID)


def wamid(message_id: str) -> str:
    """A message id shaped like Meta's ("wamid." + base64), stable for a test id."""
    return "wamid.HBgLNTA5MzcwMDExMjIVAgASGBQz" + message_id.encode().hex().upper()


def event(value: dict[str, Any], phone_number_id: str = PHONE_NUMBER_ID) -> dict[str, Any]:
    """The envelope Meta wraps every change in."""
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": WABA_ID,
                "changes": [
                    {
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": DISPLAY_NUMBER,
                                "phone_number_id": phone_number_id,
                            },
                            **value,
                        },
                        "field": "messages",
                    }
                ],
            }
        ],
    }


def message_value(message: dict[str, Any], wa_id: str = "50937001122") -> dict[str, Any]:
    return {
        "contacts": [{"profile": {"name": "Test Person"}, "wa_id": wa_id}],
        "messages": [message],
    }


def text_message(message_id: str, sender: str, text: str) -> dict[str, Any]:
    return {
        "from": sender,
        "id": message_id,
        "timestamp": "1732190400",
        "text": {"body": text},
        "type": "text",
    }


def status_value(message_id: str, status: str, **extra: Any) -> dict[str, Any]:
    return {
        "statuses": [
            {
                "id": message_id,
                "status": status,
                "timestamp": "1732190460",
                "recipient_id": "50937001122",
                "conversation": {
                    "id": "c0a8b1e2d3f4",
                    "origin": {"type": "service"},
                },
                "pricing": {"billable": True, "pricing_model": "CBP", "category": "service"},
                **extra,
            }
        ]
    }


def signed(payload: Any, secret: str = APP_SECRET) -> WebhookRequest:
    body = json.dumps(payload).encode()
    return WebhookRequest(body=body, headers={SIGNATURE_HEADER: sign(secret, body)})


def sent_answer(message_id: str, to: str = "50937001122") -> dict[str, Any]:
    """The Cloud API's answer to a sent message."""
    return {
        "messaging_product": "whatsapp",
        "contacts": [{"input": to, "wa_id": to}],
        "messages": [{"id": message_id}],
    }


class WhatsAppCase(Case):
    kind = "whatsapp"
    address = "+" + DISPLAY_NUMBER
    sender = "50937001122"  # WhatsApp writes numbers without the "+"
    config = {"phone_number_id": PHONE_NUMBER_ID}
    secrets = {
        "access_token": ACCESS_TOKEN,
        "app_secret": APP_SECRET,
        "verify_token": VERIFY_TOKEN,
    }

    def inbound(self, channel: Channel, message_id: str, sender: str, text: str) -> WebhookRequest:
        return signed(event(message_value(text_message(wamid(message_id), sender, text))))

    def forged(self, channel: Channel, message_id: str, sender: str, text: str) -> WebhookRequest:
        payload = event(message_value(text_message(wamid(message_id), sender, text)))
        return signed(payload, secret="guessed")

    def malformed(self, channel: Channel) -> list[WebhookRequest]:
        good = text_message(wamid("m"), self.sender, "text")
        no_id = {k: v for k, v in good.items() if k != "id"}
        broken = signed({})
        broken.body = b'{"object": "whatsapp_business_account", "entry": ['
        broken.headers = {SIGNATURE_HEADER: sign(APP_SECRET, broken.body)}
        return [
            broken,
            signed(event(message_value(no_id))),
            signed(event(message_value({**good, "from": "+50937001122"}))),
            signed(event(message_value({**good, "text": "not an object"}))),
            signed(event({"messages": "nope"})),
            signed({"object": "page", "entry": []}),
            signed({"object": "whatsapp_business_account", "entry": {"id": WABA_ID}}),
        ]

    def status(self, channel: Channel, provider_message_id: str, state: str) -> WebhookRequest:
        return signed(event(status_value(provider_message_id, state)))

    def mock_send(self, rsps: Any, channel: Channel, provider_message_id: str) -> None:
        rsps.post(SEND_URL, json=sent_answer(provider_message_id))
