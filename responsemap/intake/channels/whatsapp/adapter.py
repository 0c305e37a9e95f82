"""WhatsApp Business through Meta's Cloud API.

Subscription handshake: when the callback URL is saved in the Meta app, Meta GETs it with
``hub.mode=subscribe&hub.verify_token=…&hub.challenge=…``. ``verify`` checks the token
against ``secrets["verify_token"]``, ``parse`` finds nothing to store and
``acknowledge`` answers the challenge as plain text — the shared view needs no change.

Inbound: POST of a ``whatsapp_business_account`` event, signed with
``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>``. One callback
URL serves messages *and* delivery statuses (``entry[].changes[].value.messages`` /
``.statuses``): ``parse`` reads the first, ``parse_status`` the second, of the same body.
The shared receive view calls only ``parse``; until it also applies ``parse_status`` for
adapters that set ``statuses_on_receive`` (a hook proposed for channels/views.py),
statuses reaching the receive URL are acknowledged and dropped.

A Meta app sends the events of every number of the business accounts it is subscribed
to; changes for another ``phone_number_id`` than the channel's are skipped (acknowledged,
not stored): give each number its own app, or they land in the wrong place unseen.

Senders: WhatsApp writes "50937001122"; we store "+50937001122". Message types other
than text become a placeholder ("[image]", "[location]"…) plus the caption, if any:
media is never downloaded, and coordinates and shared contact cards — a third person's
details — are never stored. Button and list replies keep their visible title.

Send: POST ``https://graph.facebook.com/<version>/<phone_number_id>/messages`` with the
bearer token. Free text reaches a person only within 24 hours of their last message
(Meta error 131047 after that, not retried). Our message id travels as
``biz_opaque_callback_data`` and comes back in statuses, so a status that arrives
before the send call has stored Meta's id still finds its message.

Channel: ``address`` = the display number; ``config`` = {"phone_number_id",
"graph_version" (default v20.0)}; ``secrets`` = {"access_token", "app_secret",
"verify_token"}.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar

import requests
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse

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

SIGNATURE_HEADER = "X-Hub-Signature-256"
API_URL = "https://graph.facebook.com/{version}/{phone_number_id}/messages"
DEFAULT_VERSION = "v20.0"
TIMEOUT_SECONDS = 10
MAX_TEXT = 4096
# Unix times from 2000 to 2100: anything else is not a time Meta sends.
EARLIEST, LATEST = 946_684_800, 4_102_444_800

MESSAGE_ID = re.compile(r"[A-Za-z0-9_.:=+/-]{1,128}")
WA_ID = re.compile(r"\d{6,20}")
PHONE_NUMBER_ID = re.compile(r"\d{1,32}")
VERSION = re.compile(r"v\d{1,3}\.\d{1,2}")
TYPE = re.compile(r"[a-z_]{1,32}")
CHALLENGE = re.compile(r"[A-Za-z0-9_-]{1,128}")
TOKEN = re.compile(r"[\x21-\x7e]{1,1024}")
UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")

# Status → our state; "read" implies delivered. Others (e.g. "deleted") are ignored.
STATES = {"sent": "sent", "delivered": "delivered", "read": "delivered", "failed": "failed"}
# Media types whose payload may carry a caption.
CAPTIONED = {"image", "video", "document"}
# Graph API error codes worth another try: temporary faults and rate limits.
RETRY_CODES = {1, 2, 4, 80007, 130429, 131000, 131016, 131048, 131056}


def sign(app_secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def _query(request: HttpRequest, name: str) -> str:
    try:
        return str(request.GET.get(name, ""))
    except (BadRequest, SuspiciousOperation, ValueError):
        raise Rejected(400, "query string could not be read") from None


def _check_subscription(request: HttpRequest, secrets: dict[str, str]) -> None:
    """The GET handshake: Meta proves it knows our verify token."""
    expected = require_secret(secrets, "verify_token", "verify token")
    if _query(request, "hub.mode") != "subscribe":
        raise Rejected(400, "GET is only for the subscription handshake (hub.mode=subscribe)")
    given = require_given(_query(request, "hub.verify_token"), "missing hub.verify_token")
    check_given(given, expected, "verify token does not match")
    if not CHALLENGE.fullmatch(_query(request, "hub.challenge")):
        raise Rejected(400, "hub.challenge is missing or not a plain token")


def _event(request: HttpRequest) -> dict[str, Any]:
    data = json_object(request)
    if data.get("object") != "whatsapp_business_account":
        raise Rejected(400, "'object' must be whatsapp_business_account")
    return data


def _list(parent: dict[str, Any], key: str) -> list[Any]:
    value = parent.get(key, [])
    if not isinstance(value, list):
        raise Rejected(400, f"'{key}' must be a list")
    return value


def _objects(parent: dict[str, Any], key: str) -> Iterator[dict[str, Any]]:
    for item in _list(parent, key):
        if not isinstance(item, dict):
            raise Rejected(400, f"each of '{key}' must be an object")
        yield item


def _values(data: dict[str, Any], channel: Channel) -> Iterator[dict[str, Any]]:
    """The ``value`` of each "messages" change addressed to this channel's number."""
    ours = str(channel.config.get("phone_number_id") or "")
    for entry in _objects(data, "entry"):
        for change in _objects(entry, "changes"):
            if change.get("field", "messages") != "messages":
                continue  # template, quality and account updates
            value = change.get("value")
            if not isinstance(value, dict):
                raise Rejected(400, "'value' must be an object")
            metadata = value.get("metadata")
            number = metadata.get("phone_number_id") if isinstance(metadata, dict) else None
            if ours and (not isinstance(number, str | int) or str(number) != ours):
                continue  # another number of the same app (see the module docstring)
            yield value


def _token(item: dict[str, Any], key: str, pattern: re.Pattern[str]) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value:
        raise Rejected(400, f"'{key}' is required and must be a string")
    if not pattern.fullmatch(value):
        raise Rejected(400, f"'{key}' is not in WhatsApp's format")
    return value


def _timestamp(item: dict[str, Any]) -> datetime | None:
    value = item.get("timestamp")
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 12:
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not EARLIEST <= value <= LATEST:
        return None
    return datetime.fromtimestamp(value, tz=UTC)


def _string(parent: Any, *path: str) -> str | None:
    """The string at ``path`` inside nested objects, or None."""
    for key in path:
        if not isinstance(parent, dict):
            return None
        parent = parent.get(key)
    return parent if isinstance(parent, str) else None


def _content(item: dict[str, Any]) -> tuple[str, str] | None:
    """(text, type) of a message; None for what isn't from the person ("system")."""
    kind = item.get("type", "text")
    if not isinstance(kind, str) or not TYPE.fullmatch(kind):
        kind = "unsupported"
    if kind == "system":
        return None  # "the customer changed their number" and the like
    if kind == "text":
        body = _string(item, "text", "body")
        if body is None:
            raise Rejected(400, "'text.body' is required and must be a string")
        return body, kind
    if kind == "button":
        chosen = _string(item, "button", "text")
    elif kind == "interactive":
        chosen = _string(item, "interactive", "button_reply", "title") or _string(
            item, "interactive", "list_reply", "title"
        )
    else:
        chosen = None
    if chosen is not None:
        return chosen, kind
    caption = _string(item, kind, "caption") if kind in CAPTIONED else None
    return (f"[{kind}] {caption}" if caption else f"[{kind}]"), kind


def _uuid(value: object) -> str:
    if not isinstance(value, str) or len(value) > 64:
        return ""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return ""


def _error_code(payload: object) -> int | None:
    """The Graph API error code of an answer or a status, never its message."""
    if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
        code = payload["error"].get("code")
    elif isinstance(payload, dict) and isinstance(payload.get("errors"), list):
        first = payload["errors"][0] if payload["errors"] else None
        code = first.get("code") if isinstance(first, dict) else None
    else:
        return None
    return code if isinstance(code, int) and not isinstance(code, bool) else None


class WhatsAppType(ChannelType):
    kind = "whatsapp"
    label = "WhatsApp (Meta Cloud API)"
    # Meta batches statuses; its events may reach a few hundred kilobytes.
    max_body = 256 * 1024
    # Statuses come to the inbound URL, mixed with messages: the shared receive view
    # should apply parse_status() as well when this is set (the hook is proposed for
    # channels/views.py; until it lands they are acknowledged and dropped).
    statuses_on_receive: ClassVar[bool] = True

    def verify(self, request: HttpRequest, channel: Channel, secrets: dict[str, str]) -> None:
        if request.method == "GET":
            _check_subscription(request, secrets)
            return
        secret = require_secret(secrets, "app_secret", "app secret")
        given = require_given(
            request.headers.get(SIGNATURE_HEADER, "").strip(), f"missing {SIGNATURE_HEADER} header"
        )
        check_given(given.lower(), sign(secret, request.body), "signature does not match the body")

    def parse(self, request: HttpRequest, channel: Channel) -> list[Inbound]:
        if request.method == "GET":
            return []  # the handshake, checked in verify and answered in acknowledge
        messages = []
        for value in _values(_event(request), channel):
            for item in _objects(value, "messages"):
                content = _content(item)
                if content is None:
                    continue
                text, kind = content
                text = UNPRINTABLE.sub("", text).strip()
                if len(text) > MAX_TEXT:
                    raise Rejected(400, f"message text is longer than {MAX_TEXT} characters")
                messages.append(
                    Inbound(
                        provider_message_id=_token(item, "id", MESSAGE_ID),
                        sender="+" + _token(item, "from", WA_ID),
                        text=text,
                        sent_at=_timestamp(item),
                        meta={} if kind == "text" else {"type": kind},
                    )
                )
        return messages

    def parse_status(self, request: HttpRequest, channel: Channel) -> list[StatusReport]:
        if request.method == "GET":
            return []
        reports = []
        for value in _values(_event(request), channel):
            for item in _objects(value, "statuses"):
                message_id = _token(item, "id", MESSAGE_ID)
                status = item.get("status")
                state = STATES.get(status) if isinstance(status, str) else None
                if state is None:
                    continue
                code = _error_code(item) if state == "failed" else None
                reports.append(
                    StatusReport(
                        provider_message_id=message_id,
                        state=state,
                        reason=f"whatsapp error {code}" if code is not None else "",
                        outbound_id=_uuid(item.get("biz_opaque_callback_data")),
                    )
                )
        return reports

    def acknowledge(self, request: HttpRequest, channel: Channel, stored: int) -> HttpResponse:
        if request.method == "GET":
            # verify() has checked the token and that the challenge is a plain token.
            return HttpResponse(_query(request, "hub.challenge"), content_type="text/plain")
        return JsonResponse({"ok": True, "stored": stored})

    def send(self, channel: Channel, secrets: dict[str, str], message: Outgoing) -> str:
        token = secrets.get("access_token", "")
        number_id = str(channel.config.get("phone_number_id") or "")
        version = str(channel.config.get("graph_version") or DEFAULT_VERSION)
        if not TOKEN.fullmatch(token):
            raise SendFailed("channel has no valid WhatsApp access token", retry=False)
        if not PHONE_NUMBER_ID.fullmatch(number_id) or not VERSION.fullmatch(version):
            raise SendFailed("channel's phone_number_id or graph_version is malformed", retry=False)
        to = message.to.removeprefix("+")
        if not WA_ID.fullmatch(to):
            raise SendFailed("recipient is not a WhatsApp number", retry=False)
        try:
            response = requests.post(
                API_URL.format(version=version, phone_number_id=number_id),
                json={
                    "messaging_product": "whatsapp",
                    "recipient_type": "individual",
                    "to": to,
                    "type": "text",
                    "text": {"preview_url": False, "body": message.text},
                    "biz_opaque_callback_data": message.id,
                },
                headers={"Authorization": f"Bearer {token}"},
                timeout=TIMEOUT_SECONDS,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise unreachable("WhatsApp", exc) from None
        try:
            payload = response.json()
        except ValueError:
            payload = None
        status = response.status_code
        if status >= 300:
            code = _error_code(payload)
            retry = status == 429 or status >= 500 or code in RETRY_CODES
            detail = f" (error {code})" if code is not None else ""
            raise SendFailed(f"WhatsApp answered {status}{detail}", retry=retry)
        message_ids = payload.get("messages") if isinstance(payload, dict) else None
        first = message_ids[0] if isinstance(message_ids, list) and message_ids else None
        wamid = first.get("id") if isinstance(first, dict) else None
        if not isinstance(wamid, str) or not MESSAGE_ID.fullmatch(wamid):
            # It may have gone out: retrying could send it twice.
            raise SendFailed("WhatsApp accepted the message but returned no id", retry=False)
        return wamid

    def setup_help(self, channel: Channel, inbound_url: str, status_url: str) -> str:
        return (
            "In the Meta app (WhatsApp > Configuration > Webhook):\n"
            f"  Callback URL: {inbound_url}\n"
            "  Verify token: the channel's verify_token\n"
            "  Subscribe to the 'messages' field (delivery statuses come with it).\n"
        )
