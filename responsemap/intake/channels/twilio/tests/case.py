from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlencode

from django.conf import settings

from responsemap.intake.channels.models import Channel
from responsemap.intake.channels.tests.conformance import (
    Case,
    WebhookRequest,
    inbound_url,
    status_url,
)
from responsemap.intake.channels.twilio.adapter import (
    API_URL,
    FORM,
    SIGNATURE_HEADER,
    compute_signature,
)

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "twilio-test-auth-token"
SEND_URL = API_URL.format(account=ACCOUNT_SID)


def sid(message_id: str, prefix: str = "SM") -> str:
    """A SID shaped like Twilio's, stable for the same test id."""
    return prefix + hashlib.md5(message_id.encode(), usedforsecurity=False).hexdigest()


def form_request(
    path: str, params: dict[str, str], *, token: str = AUTH_TOKEN, query: str = ""
) -> WebhookRequest:
    """A form POST signed the way Twilio signs it, for the public URL of ``path``."""
    full_path = f"{path}?{query}" if query else path
    url = settings.RESPONSEMAP_PUBLIC_URL.rstrip("/") + full_path
    signature = compute_signature(token, url, {k: [v] for k, v in params.items()})
    request = WebhookRequest(
        body=urlencode(params).encode(), content_type=FORM, headers={SIGNATURE_HEADER: signature}
    )
    if query:
        request.query = dict(pair.split("=", 1) for pair in query.split("&"))
    return request


def inbound_params(message_id: str, sender: str, text: str, to: str) -> dict[str, str]:
    """What Twilio posts for an incoming SMS."""
    return {
        "ToCountry": "HT",
        "SmsMessageSid": message_id,
        "NumMedia": "0",
        "SmsSid": message_id,
        "SmsStatus": "received",
        "Body": text,
        "FromCountry": "HT",
        "To": to,
        "NumSegments": "1",
        "MessageSid": message_id,
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "ApiVersion": "2010-04-01",
    }


def status_params(message_id: str, status: str, error_code: str = "") -> dict[str, str]:
    """What Twilio posts to a StatusCallback."""
    params = {
        "SmsSid": message_id,
        "SmsStatus": status,
        "MessageStatus": status,
        "To": "+50937001122",
        "MessageSid": message_id,
        "AccountSid": ACCOUNT_SID,
        "From": "+50930000000",
        "ApiVersion": "2010-04-01",
    }
    if error_code:
        params["ErrorCode"] = error_code
    return params


def message_resource(message_sid: str, to: str = "+50937001122") -> dict[str, Any]:
    """Twilio's answer to a created message (201)."""
    return {
        "account_sid": ACCOUNT_SID,
        "api_version": "2010-04-01",
        "body": "Sent from your Twilio trial account",
        "date_created": "Thu, 21 Nov 2024 12:00:00 +0000",
        "date_sent": None,
        "date_updated": "Thu, 21 Nov 2024 12:00:00 +0000",
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": "+50930000000",
        "messaging_service_sid": None,
        "num_media": "0",
        "num_segments": "1",
        "price": None,
        "price_unit": "USD",
        "sid": message_sid,
        "status": "queued",
        "subresource_uris": {"media": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/x/Media.json"},
        "to": to,
        "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{message_sid}.json",
    }


class TwilioCase(Case):
    kind = "twilio"
    secrets = {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN}

    def inbound(self, channel: Channel, message_id: str, sender: str, text: str) -> WebhookRequest:
        params = inbound_params(sid(message_id), sender, text, channel.address)
        return form_request(inbound_url(channel), params)

    def forged(self, channel: Channel, message_id: str, sender: str, text: str) -> WebhookRequest:
        params = inbound_params(sid(message_id), sender, text, channel.address)
        return form_request(inbound_url(channel), params, token="guessed-token")

    def malformed(self, channel: Channel) -> list[WebhookRequest]:
        url = inbound_url(channel)
        good = inbound_params(sid("m"), self.sender, "text", channel.address)
        no_sid = {k: v for k, v in good.items() if k not in ("MessageSid", "SmsSid")}
        not_form = form_request(url, {})
        not_form.body, not_form.content_type = b'{"MessageSid": "SM1"}', "application/json"
        return [
            form_request(url, no_sid),
            form_request(url, {k: v for k, v in good.items() if k != "From"}),
            form_request(url, {**good, "MessageSid": "SM 1; DROP"}),
            form_request(url, {**good, "Body": "x" * 5000}),
            not_form,
        ]

    def status(self, channel: Channel, provider_message_id: str, state: str) -> WebhookRequest:
        return form_request(status_url(channel), status_params(provider_message_id, state))

    def mock_send(self, rsps: Any, channel: Channel, provider_message_id: str) -> None:
        rsps.post(SEND_URL, status=201, json=message_resource(provider_message_id))
