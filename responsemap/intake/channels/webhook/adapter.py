"""A generic JSON webhook signed with HMAC-SHA256, for relay apps (FrontlineSMS- or
SMSSync-style) and custom gateways.

Inbound: POST, ``Content-Type: application/json``, header
``X-Signature: sha256=<hex HMAC-SHA256 of the raw body with the channel secret>``, body
``{"messages": [{"id": "...", "from": "+509...", "text": "...", "sent_at": "ISO-8601"}]}``
(a single object without the list is accepted too). Status:
``{"statuses": [{"id": "<provider id or our id>", "status": "sent|delivered|failed"}]}``.
Outbound: POST of ``{"id", "to", "text", "status_url"}`` to the channel's ``send_url``,
signed the same way; the relay answers ``{"id": "<its id>"}``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from typing import Any

import requests
from django.http import HttpRequest

from responsemap.intake.channels.base import (
    ChannelType,
    Inbound,
    Outgoing,
    Rejected,
    SendFailed,
    StatusReport,
    check_given,
    json_object,
    require_given,
    require_secret,
    unreachable,
)
from responsemap.intake.channels.models import Channel

SIGNATURE_HEADER = "X-Signature"
MAX_TEXT = 4096


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _text(
    item: dict[str, Any], key: str, *, required: bool = True, limit: int = 128, clear: bool = True
) -> str:
    """A string field. ``clear``: it lands in a clear column (an id, a sender), so a NUL
    or a lone surrogate is refused; the message text is sealed as bytes, so it keeps a
    NUL, and the shared view replaces a lone surrogate and flags the message."""
    value = item.get(key, "")
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise Rejected(400, f"'{key}' must be a string")
    value = str(value).strip()
    if clear and ("\x00" in value or any("\ud800" <= char <= "\udfff" for char in value)):
        raise Rejected(400, f"'{key}' contains characters that can't be stored")
    if required and not value:
        raise Rejected(400, f"'{key}' is required")
    if len(value) > limit:
        raise Rejected(400, f"'{key}' is longer than {limit} characters")
    return value


class WebhookType(ChannelType):
    kind = "webhook"
    label = "Generic JSON webhook (HMAC-signed)"

    def verify(self, request: HttpRequest, channel: Channel, secrets: dict[str, str]) -> None:
        secret = require_secret(secrets, "secret", "secret")
        given = require_given(
            request.headers.get(SIGNATURE_HEADER, ""), f"missing {SIGNATURE_HEADER} header"
        )
        check_given(given, sign(secret, request.body), "signature does not match the body")

    def parse(self, request: HttpRequest, channel: Channel) -> list[Inbound]:
        data = json_object(request)
        items = data.get("messages", [data])
        if not isinstance(items, list) or not items or len(items) > 100:
            raise Rejected(400, "'messages' must be a list of 1 to 100 objects")
        messages = []
        for item in items:
            if not isinstance(item, dict):
                raise Rejected(400, "each message must be an object")
            sent_at = None
            if item.get("sent_at"):
                try:
                    sent_at = datetime.fromisoformat(_text(item, "sent_at", limit=40))
                except ValueError:
                    raise Rejected(400, "'sent_at' is not an ISO-8601 time") from None
                if sent_at.tzinfo is None:
                    raise Rejected(400, "'sent_at' needs a time zone")
                if not 2000 <= sent_at.year <= 2100:  # else converting to UTC may overflow
                    raise Rejected(400, "'sent_at' is not a plausible time")
            messages.append(
                Inbound(
                    provider_message_id=_text(item, "id"),
                    sender=_text(item, "from", limit=64),
                    text=_text(item, "text", required=False, limit=MAX_TEXT, clear=False),
                    sent_at=sent_at,
                )
            )
        return messages

    def parse_status(self, request: HttpRequest, channel: Channel) -> list[StatusReport]:
        data = json_object(request)
        items = data.get("statuses", [data])
        if not isinstance(items, list):
            raise Rejected(400, "'statuses' must be a list")
        reports = []
        for item in items:
            if not isinstance(item, dict):
                raise Rejected(400, "each status must be an object")
            state = _text(item, "status", limit=16)
            if state not in {"sent", "delivered", "failed"}:
                raise Rejected(400, "'status' must be sent, delivered or failed")
            reports.append(StatusReport(provider_message_id=_text(item, "id"), state=state))
        return reports

    def send(self, channel: Channel, secrets: dict[str, str], message: Outgoing) -> str:
        url = channel.config.get("send_url", "")
        if not url:
            raise SendFailed("channel has no send_url", retry=False)
        body = json.dumps(
            {
                "id": message.id,
                "to": message.to,
                "text": message.text,
                "status_url": message.status_url,
            }
        ).encode()
        try:
            response = requests.post(
                url,
                data=body,
                headers={
                    "Content-Type": "application/json",
                    SIGNATURE_HEADER: sign(secrets.get("secret", ""), body),
                },
                timeout=10,
            )
        except requests.RequestException as exc:
            raise unreachable("relay", exc) from None
        if response.status_code >= 500 or response.status_code == 429:
            raise SendFailed(f"relay answered {response.status_code}", retry=True)
        if response.status_code >= 400:
            raise SendFailed(f"relay refused: {response.status_code}", retry=False)
        try:
            return str(response.json().get("id") or message.id)
        except ValueError:
            return message.id

    def setup_help(self, channel: Channel, inbound_url: str, status_url: str) -> str:
        return (
            f"POST signed JSON to {inbound_url}\n"
            f"Delivery reports to {status_url}\n"
            f"Sign with: {SIGNATURE_HEADER}: sha256=HMAC-SHA256(secret, raw body), hex\n"
        )
