"""Twilio Programmable Messaging (SMS; WhatsApp senders through Twilio work too).

Inbound: Twilio POSTs ``application/x-www-form-urlencoded`` (MessageSid, From, To, Body,
NumMedia, …) to the channel's inbound URL and signs it: ``X-Twilio-Signature`` =
base64(HMAC-SHA1(auth token, URL + every POST parameter as name + value, in name order)).

The URL in the signature is the one Twilio called. Behind a TLS terminator or reverse
proxy the URL Django sees differs (scheme, host, port), so we rebuild it from
``RESPONSEMAP_PUBLIC_URL`` (scheme and host only) + ``request.get_full_path()`` — the
same base ``tasks.status_url`` hands Twilio for delivery reports. Paste exactly the URL
``setup_help`` prints into the console, method HTTP POST, or every request is refused.
Like Twilio's own validators we also accept the URL with the default port added or
removed, because Twilio is inconsistent about it.

Answer: an empty TwiML ``<Response/>`` — replies go out through the API, never inline.

Status: the StatusCallback we set on each send (MessageSid, MessageStatus, ErrorCode),
signed the same way. The callback URL carries ``?outbound=<our id>`` so a report that
arrives before the send call has stored Twilio's SID still finds its message.

Send: POST ``/2010-04-01/Accounts/{AccountSid}/Messages.json`` with basic auth.

Channel: ``address`` is the Twilio number (or ``whatsapp:+…`` for a WhatsApp sender);
``secrets`` = {"account_sid", "auth_token"}; ``config["messaging_service_sid"]``, if set,
sends through a Messaging Service instead of the number.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import uuid
from typing import Any
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

import requests
from django.conf import settings
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http import HttpRequest, HttpResponse

from responsemap.intake.channels.base import (
    ChannelType,
    Inbound,
    Outgoing,
    Rejected,
    SendFailed,
    StatusReport,
    check_given,
    require_given,
    require_secret,
    unreachable,
)
from responsemap.intake.channels.models import Channel

SIGNATURE_HEADER = "X-Twilio-Signature"
API_URL = "https://api.twilio.com/2010-04-01/Accounts/{account}/Messages.json"
FORM = "application/x-www-form-urlencoded"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
TIMEOUT_SECONDS = 10
MAX_TEXT = 4096  # Twilio caps SMS at 1,600 characters and WhatsApp at 4,096
MAX_SENDER = 64

SID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # Twilio's are "SM" + 32 hex; be lenient
ERROR_CODE = re.compile(r"\d{1,6}")
CONTENT_TYPE = re.compile(r"([a-z]{1,16})/")
# C0 controls (but tab and newlines), DEL and lone surrogates: noise no phone can type,
# and things PostgreSQL or UTF-8 refuse further down the line.
UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")

# Twilio's MessageStatus → our states. Interim states (accepted, scheduled, queued,
# sending, receiving, received, partially_delivered) change nothing and are ignored.
STATES = {
    "sent": "sent",
    "delivered": "delivered",
    "read": "delivered",  # WhatsApp through Twilio
    "undelivered": "failed",
    "failed": "failed",
    "canceled": "failed",
}

Params = dict[str, list[str]]


def compute_signature(auth_token: str, url: str, params: Params) -> str:
    """Twilio's request signature of ``url`` and the POST ``params``."""
    payload = url + "".join(
        name + value for name in sorted(params) for value in sorted(params[name])
    )
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def public_url(request: HttpRequest) -> str:
    """The URL Twilio called, whatever proxies stand between it and us."""
    return settings.RESPONSEMAP_PUBLIC_URL.rstrip("/") + request.get_full_path()


def _port_variants(url: str) -> list[str]:
    """``url`` as given, and with the scheme's default port added or removed."""
    parts = urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    try:
        port = parts.port
    except ValueError:
        return [url]
    host = parts.hostname or ""
    if default is None or not host or "@" in parts.netloc:
        return [url]
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if port is None:
        other = parts._replace(netloc=f"{host}:{default}")
    elif port == default:
        other = parts._replace(netloc=host)
    else:
        return [url]
    return [url, urlunsplit(other)]


def signed_params(request: HttpRequest) -> Params:
    """The form parameters Twilio signed; none unless the body is a form."""
    if request.method != "POST" or request.content_type != FORM:
        return {}
    # Django refuses too many fields, and (BadRequest) a charset other than UTF-8.
    try:
        return {name: list(values) for name, values in request.POST.lists()}
    except (BadRequest, SuspiciousOperation, ValueError):
        raise Rejected(400, "form body could not be read") from None


def _form(request: HttpRequest) -> Params:
    if request.method != "POST":
        raise Rejected(405, "use POST")
    if request.content_type != FORM:
        raise Rejected(415, f"send {FORM}")
    return signed_params(request)


def _value(params: Params, name: str) -> str:
    values = params.get(name) or [""]
    return values[-1].strip()


def _sid(params: Params, *names: str) -> str:
    """The first of ``names`` present (Twilio sends MessageSid and the older SmsSid)."""
    value = next((_value(params, name) for name in names if _value(params, name)), "")
    if not value:
        raise Rejected(400, f"'{names[0]}' is required")
    if not SID.fullmatch(value):
        raise Rejected(400, f"'{names[0]}' is not a Twilio SID")
    return value


def _sender(params: Params) -> str:
    raw = _value(params, "From")
    if not raw:
        raise Rejected(400, "'From' is required")
    if len(raw) > MAX_SENDER or UNPRINTABLE.search(raw):
        raise Rejected(400, "'From' is not a sender Twilio writes")
    # "whatsapp:+509…", "client:alice": keep them as our own handle, so a sender can't
    # pose as another kind's handle ("telegram:…") and a reply goes back to the same
    # address (the part after "twilio:").
    if ":" in raw and not raw.startswith("+"):
        return f"twilio:{raw}"
    return raw


def _media_label(params: Params) -> str:
    """A label like "[image]" when media came: we keep only that there was some."""
    try:
        count = int(_value(params, "NumMedia") or 0)
    except ValueError:
        return ""
    if count <= 0:
        return ""
    kind = CONTENT_TYPE.match(_value(params, "MediaContentType0"))
    return f"[{kind.group(1) if kind else 'media'}]"


def _text(params: Params, label: str) -> str:
    body = UNPRINTABLE.sub("", _value(params, "Body"))
    if len(body) > MAX_TEXT:
        raise Rejected(400, f"'Body' is longer than {MAX_TEXT} characters")
    return f"{label} {body}".strip() if label else body


def _outbound_id(request: HttpRequest) -> str:
    """Our message id, from the StatusCallback URL we gave Twilio (signed with it)."""
    try:
        raw = request.GET.get("outbound", "")
        return str(uuid.UUID(raw)) if raw else ""
    except (BadRequest, SuspiciousOperation, ValueError):
        return ""


def _error_code(response: requests.Response) -> str:
    """Twilio's error code (e.g. 21211), never its message: that can quote the number."""
    try:
        code = response.json().get("code")
    except (ValueError, AttributeError):
        return ""
    return f" (code {code})" if isinstance(code, int) and not isinstance(code, bool) else ""


class TwilioType(ChannelType):
    kind = "twilio"
    label = "Twilio (SMS)"

    def verify(self, request: HttpRequest, channel: Channel, secrets: dict[str, str]) -> None:
        token = require_secret(secrets, "auth_token", "auth token")
        given = require_given(
            request.headers.get(SIGNATURE_HEADER, "").strip(), f"missing {SIGNATURE_HEADER} header"
        )
        params = signed_params(request)
        check_given(
            given,
            (compute_signature(token, url, params) for url in _port_variants(public_url(request))),
            "signature does not match the URL and parameters",
        )

    def parse(self, request: HttpRequest, channel: Channel) -> list[Inbound]:
        params = _form(request)
        label = _media_label(params)
        return [
            Inbound(
                provider_message_id=_sid(params, "MessageSid", "SmsSid"),
                sender=_sender(params),
                text=_text(params, label),
                meta={"media": label} if label else {},
            )
        ]

    def parse_status(self, request: HttpRequest, channel: Channel) -> list[StatusReport]:
        params = _form(request)
        sid = _sid(params, "MessageSid", "SmsSid")
        status = _value(params, "MessageStatus") or _value(params, "SmsStatus")
        if not status:
            raise Rejected(400, "'MessageStatus' is required")
        state = STATES.get(status.lower())
        if state is None:
            return []  # an interim state, or one Twilio added after this was written
        code = _value(params, "ErrorCode")
        reason = f"twilio error {code}" if ERROR_CODE.fullmatch(code) else ""
        return [
            StatusReport(
                provider_message_id=sid,
                state=state,
                reason=reason if state == "failed" else "",
                outbound_id=_outbound_id(request),
            )
        ]

    def acknowledge(self, request: HttpRequest, channel: Channel, stored: int) -> HttpResponse:
        return HttpResponse(EMPTY_TWIML, content_type="text/xml")

    def send(self, channel: Channel, secrets: dict[str, str], message: Outgoing) -> str:
        account = secrets.get("account_sid", "")
        token = secrets.get("auth_token", "")
        if not account or not token:
            raise SendFailed("channel has no Twilio account SID or auth token", retry=False)
        if not SID.fullmatch(account):
            raise SendFailed("Twilio account SID is malformed", retry=False)
        separator = "&" if "?" in message.status_url else "?"
        callback = f"{message.status_url}{separator}{urlencode({'outbound': message.id})}"
        data: dict[str, Any] = {"To": message.to, "Body": message.text, "StatusCallback": callback}
        service = str(channel.config.get("messaging_service_sid") or "")
        if service:
            data["MessagingServiceSid"] = service
        else:
            data["From"] = channel.address
        try:
            response = requests.post(
                API_URL.format(account=quote(account, safe="")),
                data=data,
                auth=(account, token),
                timeout=TIMEOUT_SECONDS,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise unreachable("Twilio", exc) from None
        status = response.status_code
        if status == 429 or status >= 500:
            raise SendFailed(f"Twilio answered {status}{_error_code(response)}", retry=True)
        if status >= 300:
            raise SendFailed(f"Twilio refused: {status}{_error_code(response)}", retry=False)
        try:
            sid = response.json().get("sid")
        except (ValueError, AttributeError):
            sid = None
        if not isinstance(sid, str) or not SID.fullmatch(sid):
            # It may have gone out: retrying could send it twice.
            raise SendFailed("Twilio accepted the message but returned no SID", retry=False)
        return sid

    def setup_help(self, channel: Channel, inbound_url: str, status_url: str) -> str:
        return (
            "In the Twilio console, for this number (or its Messaging Service):\n"
            f"  A message comes in: Webhook, HTTP POST, {inbound_url}\n"
            "Delivery reports need no setup: each message asks for them at\n"
            f"  {status_url}\n"
            "Both URLs must be exactly what Twilio calls (RESPONSEMAP_PUBLIC_URL is used to\n"
            "check the signature), or every request is refused with 403.\n"
        )
