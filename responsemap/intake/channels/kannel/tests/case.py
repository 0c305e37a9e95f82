"""Kannel in the shared conformance suite: requests shaped exactly as smsbox 1.4.5 makes
them (recorded from the real gateway, see tests/kannel/). The sendsms answer is mocked
here only because this is the fast unit suite; tests/kannel/ runs the real gateway."""

from __future__ import annotations

import base64
from typing import Any

from responses import matchers

from responsemap.intake.channels.kannel.adapter import DLR_MASK, URL_USER
from responsemap.intake.channels.models import Channel
from responsemap.intake.channels.tests.conformance import Case, WebhookRequest

SENDSMS_URL = "http://127.0.0.1:13013/cgi-bin/sendsms"
SECRET = "kannel-shared-secret-0123"
TEXT_PLAIN = 'text/plain; charset="UTF-8"'  # smsbox quotes the charset
REPORT_TYPES = {"delivered": "1", "failed": "2", "sent": "8"}


def basic_auth(secret: str, user: str = URL_USER) -> str:
    return "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()


def mo_request(
    message_id: str | None,
    sender: str | None,
    body: bytes,
    *,
    secret: str | None = SECRET,
    coding: str = "0",
    charset: str = "UTF-8",
    content_type: str = TEXT_PLAIN,
    method: str = "POST",
    ts: str = "1795303557",
) -> WebhookRequest:
    """What a post-url sms-service sends: metadata in the query and headers, text as body."""
    query = {"ts": ts, "coding": coding, "charset": charset}
    if message_id is not None:
        query["id"] = message_id
    headers = {"X-Kannel-To": "50930000000", "X-Kannel-SMSC": "fake", "X-Kannel-Coding": coding}
    if sender is not None:
        headers["X-Kannel-From"] = sender
    if secret is not None:
        headers["Authorization"] = basic_auth(secret)
    return WebhookRequest(
        method=method, query=query, body=body, content_type=content_type, headers=headers
    )


class KannelCase(Case):
    kind = "kannel"
    config = {"sendsms_url": SENDSMS_URL}
    secrets = {"secret": SECRET, "username": "responsemap", "password": "sendsms-password"}

    def inbound(self, channel: Channel, message_id: str, sender: str, text: str) -> WebhookRequest:
        return mo_request(message_id, sender, text.encode())

    def forged(self, channel: Channel, message_id: str, sender: str, text: str) -> WebhookRequest:
        return mo_request(message_id, sender, text.encode(), secret="guessed-secret-000000")

    def malformed(self, channel: Channel) -> list[WebhookRequest]:
        sender = self.sender
        return [
            mo_request(None, sender, b"no id"),
            mo_request("k-1", None, b"no sender (send-sender = false)"),
            mo_request("k-2", sender, b"bad coding", coding="7"),
            mo_request("k-4", sender, b"bad time", ts="soon"),
            mo_request("k-5", sender, b"odd", charset="x-klingon", content_type="text/plain"),
            # Authentic, but a charset we can't read: 415 (a body that is not valid in
            # the charset it declares is stored instead, flagged: test_adapter.py).
            # (In the Content-Type, with a query, Django's test client fails to build the
            # request: lib/tests/test_handlers.py sends those through the real app.)
            mo_request("k-7", sender, b"uryyb", charset="rot13", content_type="text/plain"),
            mo_request("k-8", sender, b"x\x9c", charset="zlib", content_type="text/plain"),
            mo_request("k-9", sender, b"aGk=", charset="base64", content_type="text/plain"),
            mo_request("k-10", sender, b"6869", charset="hex", content_type="text/plain"),
            mo_request("k-6", sender, b"", method="GET"),
        ]

    def status(self, channel: Channel, provider_message_id: str, state: str) -> WebhookRequest:
        return WebhookRequest(
            method="GET",
            query={"out": provider_message_id, "type": REPORT_TYPES[state], "err": ""},
            headers={"Authorization": basic_auth(SECRET)},
        )

    def mock_send(self, rsps: Any, channel: Channel, provider_message_id: str) -> None:
        # sendsms has no message id of its own: the adapter records ours.
        rsps.get(
            SENDSMS_URL,
            body="0: Accepted for delivery",
            status=202,
            match=[
                matchers.query_param_matcher(
                    {
                        "username": "responsemap",
                        "password": "sendsms-password",
                        "from": self.address,
                        "charset": "UTF-8",
                        "dlr-mask": str(DLR_MASK),
                    },
                    strict_match=False,
                )
            ],
        )
