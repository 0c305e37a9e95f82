from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from responsemap.intake.channels.africastalking.adapter import API_URL, FORM, TOKEN_PARAM
from responsemap.intake.channels.models import Channel
from responsemap.intake.channels.tests.conformance import Case, WebhookRequest

CALLBACK_TOKEN = "at-callback-token-7f3a"
USERNAME = "responsemap"
SHORT_CODE = "24680"


def form_request(params: dict[str, str], *, token: str | None = CALLBACK_TOKEN) -> WebhookRequest:
    """A callback as Africa's Talking makes it, to a URL carrying the channel's token."""
    return WebhookRequest(
        body=urlencode(params).encode(),
        content_type=FORM,
        query={TOKEN_PARAM: token} if token is not None else {},
    )


def inbound_params(message_id: str, sender: str, text: str, to: str = SHORT_CODE) -> dict[str, str]:
    """What Africa's Talking posts for an incoming SMS."""
    return {
        "linkId": "SampleLinkId123",
        "text": text,
        "to": to,
        "id": message_id,
        "date": "2024-11-21 12:00:00",
        "from": sender,
        "networkCode": "63902",
    }


def report_params(message_id: str, status: str, failure_reason: str = "") -> dict[str, str]:
    """What Africa's Talking posts as a delivery report."""
    params = {
        "id": message_id,
        "status": status,
        "phoneNumber": "+50937001122",
        "networkCode": "63902",
        "retryCount": "0",
    }
    if failure_reason:
        params["failureReason"] = failure_reason
    return params


def send_answer(message_id: str, status: str = "Success", code: int = 101) -> dict[str, Any]:
    """Africa's Talking's answer to a send (201)."""
    return {
        "SMSMessageData": {
            "Message": "Sent to 1/1 Total Cost: KES 0.8000 Message parts: 1",
            "Recipients": [
                {
                    "statusCode": code,
                    "number": "+50937001122",
                    "status": status,
                    "cost": "KES 0.8000" if code == 101 else "0",
                    "messageId": message_id if code == 101 else "None",
                }
            ],
        }
    }


# The names Africa's Talking gives delivery states, for the generic ones of the suite.
REPORTED = {"delivered": "Success", "sent": "Sent", "failed": "Failed"}


class AfricasTalkingCase(Case):
    kind = "africastalking"
    address = SHORT_CODE
    config = {"username": USERNAME}
    secrets = {"api_key": "atsk_test_key", "callback_token": CALLBACK_TOKEN}

    def inbound(self, channel: Channel, message_id: str, sender: str, text: str) -> WebhookRequest:
        return form_request(inbound_params(message_id, sender, text))

    def forged(self, channel: Channel, message_id: str, sender: str, text: str) -> WebhookRequest:
        return form_request(inbound_params(message_id, sender, text), token="guessed")

    def malformed(self, channel: Channel) -> list[WebhookRequest]:
        good = inbound_params("ATXid_1", self.sender, "text")
        as_json = form_request({})
        as_json.body, as_json.content_type = b'{"id": "ATXid_1"}', "application/json"
        return [
            form_request({k: v for k, v in good.items() if k != "id"}),
            form_request({k: v for k, v in good.items() if k != "from"}),
            form_request({**good, "id": "id with spaces"}),
            as_json,
            WebhookRequest(method="GET", query={TOKEN_PARAM: CALLBACK_TOKEN}),
        ]

    def status(self, channel: Channel, provider_message_id: str, state: str) -> WebhookRequest:
        return form_request(report_params(provider_message_id, REPORTED[state]))

    def mock_send(self, rsps: Any, channel: Channel, provider_message_id: str) -> None:
        rsps.post(API_URL, status=201, json=send_answer(provider_message_id))
