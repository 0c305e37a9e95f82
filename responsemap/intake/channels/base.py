"""What a channel adapter is.

An adapter turns a provider's HTTP request into ``Inbound`` messages and delivery
``StatusReport``s, proves the request is authentic, answers in the provider's format,
and sends outbound messages through the provider's API. The shared view
(``channels.views``) does everything else — size limits, charsets and content
encodings (415), storing before acknowledging, idempotency, 503 when the database or
the project's keys are unavailable — so every adapter behaves the same.

Text and encodings (docs/channels.md, "Faults"): a charset or content encoding we
don't know is refused (415) before anything else is read. Text that does not decode as
its request declared, in a request that proved its origin, is never refused: it is
kept as a best guess, with its bytes (``Inbound.raw``, sealed like the text) and a flag
(``meta["encoding_fault"]``, the declared charset) that staff see on the record.
"""

from __future__ import annotations

import hmac
import json
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

import requests
from django.http import HttpRequest, HttpResponse, JsonResponse
from urllib3.exceptions import NewConnectionError

from responsemap.intake.channels.models import Channel
from responsemap.lib.charsets import charset_codec


class Rejected(Exception):
    """A request we refuse, with the HTTP status and a reason the sender can read."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class SendFailed(Exception):
    """A send that did not go through. ``retry``: the provider surely did not take it,
    so sending again is safe. ``maybe_sent``: the request went out and no answer came
    back (a read timeout, a connection cut mid-answer): the provider may hold it, so it
    is never sent again — "unknown" (ADR 0009)."""

    def __init__(self, reason: str, *, retry: bool, maybe_sent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry and not maybe_sent
        self.maybe_sent = maybe_sent


def unreachable(provider: str, exc: requests.RequestException) -> SendFailed:
    """The failure for a request that got no answer: safe to retry only if it never
    reached the provider (no connection made); else maybe sent. Only the exception's
    name is kept: its text holds the URL, and some URLs hold a token."""
    name = type(exc).__name__
    if _never_connected(exc):
        return SendFailed(f"{provider} unreachable: {name}", retry=True)
    return SendFailed(f"{provider} did not answer: {name}", retry=False, maybe_sent=True)


def _never_connected(exc: requests.RequestException) -> bool:
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if not isinstance(exc, requests.ConnectionError) or isinstance(exc, requests.Timeout):
        return False
    cause = exc.args[0] if exc.args else None
    reason = getattr(cause, "reason", cause)  # urllib3's MaxRetryError wraps the cause
    return isinstance(reason, NewConnectionError)


@dataclass(frozen=True)
class Inbound:
    provider_message_id: str
    sender: str  # a phone number as the provider wrote it, or "kind:id" for a handle
    text: str
    sent_at: datetime | None = None
    meta: dict[str, Any] = field(default_factory=dict)  # never personal data
    # The bytes as received, when they did not decode as declared (sealed when stored;
    # ``meta["encoding_fault"]`` names the declared charset). Empty otherwise.
    raw: bytes = b""

    @property
    def is_handle(self) -> bool:
        return ":" in self.sender and not self.sender.startswith("+")


# --- Charsets and content encodings ---------------------------------------------------

# JSON is UTF-8 (RFC 8259), and so are forms (Django refuses any other charset there).
# Which charsets are text at all, and their codecs: ``lib.charsets``.
UTF8_ONLY = frozenset({"utf-8", "ascii"})


def declared_charset(request: HttpRequest) -> str | None:
    """The charset parameter of the request's Content-Type, as written (None if none)."""
    value = (request.content_params or {}).get("charset")
    return value.strip().strip('"') if value is not None else None


def check_encoding(request: HttpRequest, accepted: frozenset[str]) -> None:
    """Refuse (415) a body we could only misread: compressed or otherwise transformed
    (``Content-Encoding``), or in a charset that is unknown or not one of ``accepted``
    (codec names, as ``charset_codec`` returns them). Before authentication: nothing
    of the body is read."""
    encoding = request.headers.get("Content-Encoding", "").strip().lower()
    if encoding not in ("", "identity"):
        raise Rejected(415, "Content-Encoding is not supported: send the body uncompressed")
    declared = declared_charset(request)
    if declared is None:
        return
    codec = charset_codec(declared)
    if codec is None:
        raise Rejected(415, "unknown or unsupported charset")
    if codec not in accepted:
        raise Rejected(415, "charset not accepted here: send UTF-8")


def encoding_fault(request: HttpRequest) -> str | None:
    """The charset a JSON or form body claims but does not decode in (always UTF-8 for
    those), or None. Such a body is read with replacement characters, not refused."""
    content_type = request.content_type or ""
    body = request.body
    if content_type == "application/x-www-form-urlencoded":
        try:
            body = urllib.parse.unquote_to_bytes(body.replace(b"+", b" "))
        except (TypeError, ValueError):
            return None
    elif not content_type.startswith("application/json"):
        return None
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return "utf-8"
    return None


def json_object(request: HttpRequest) -> dict[str, Any]:
    """The POSTed JSON object, or ``Rejected`` with a reason (never an exception that
    would become a 500: huge integers, deep nesting). A body that is not valid UTF-8
    is read with replacement characters (``encoding_fault`` flags it), not refused."""
    if request.method != "POST":
        raise Rejected(405, "use POST")
    if not (request.content_type or "").startswith("application/json"):
        raise Rejected(415, "send application/json")
    body: bytes | str = request.body
    if encoding_fault(request):
        body = request.body.decode("utf-8", errors="replace")
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise Rejected(400, "body is not valid JSON") from None
    if not isinstance(data, dict):
        raise Rejected(400, "body must be a JSON object")
    return data


def require_secret(secrets: dict[str, str], name: str, label: str) -> str:
    """The channel's configured secret ``name``; 403 if the channel has none (a channel
    with no secret would accept anyone)."""
    secret = secrets.get(name, "")
    if not secret:
        raise Rejected(403, f"channel has no {label} configured")
    return secret


def require_given(given: str, missing: str) -> str:
    """The credential the request carries; 401 with ``missing`` if it carries none."""
    if not given:
        raise Rejected(401, missing)
    return given


def check_given(given: str, expected: str | Iterable[str], wrong: str) -> None:
    """Compare in constant time with the expected value (or any of several); 403 with
    ``wrong`` if none matches."""
    candidates = [expected] if isinstance(expected, str) else expected
    # Bytes, not str: compare_digest refuses non-ASCII strings with TypeError.
    if not any(hmac.compare_digest(given.encode(), c.encode()) for c in candidates):
        raise Rejected(403, wrong)


@dataclass(frozen=True)
class StatusReport:
    provider_message_id: str
    state: str  # "sent", "delivered" or "failed"
    reason: str = ""
    outbound_id: str = ""  # when the provider echoes our own id back


@dataclass(frozen=True)
class Outgoing:
    id: str
    to: str  # E.164 phone number or the handle's id
    text: str
    status_url: str  # absolute URL for delivery reports


class ChannelType:
    kind: ClassVar[str]
    label: ClassVar[str]
    # Largest request body accepted, in bytes.
    max_body: ClassVar[int] = 64 * 1024
    # True when the provider posts delivery statuses to the inbound URL along with
    # messages (WhatsApp Cloud API): the receive view then applies parse_status() too.
    statuses_on_receive: ClassVar[bool] = False
    # The charsets a request may declare in its Content-Type (codec names, as
    # ``charset_codec`` gives them); anything else is refused with 415.
    charsets: ClassVar[frozenset[str]] = UTF8_ONLY

    def verify(self, request: HttpRequest, channel: Channel, secrets: dict[str, str]) -> None:
        """Raise ``Rejected(401/403, …)`` unless the request really comes from the provider."""
        raise NotImplementedError

    def parse(self, request: HttpRequest, channel: Channel) -> list[Inbound]:
        """The messages in the request; ``Rejected(400, …)`` if it is malformed.

        An empty list means an event that carries no message (it is acknowledged).
        """
        raise NotImplementedError

    def parse_status(self, request: HttpRequest, channel: Channel) -> list[StatusReport]:
        return []

    def acknowledge(self, request: HttpRequest, channel: Channel, stored: int) -> HttpResponse:
        return JsonResponse({"ok": True, "stored": stored})

    def send(self, channel: Channel, secrets: dict[str, str], message: Outgoing) -> str:
        """Send and return the provider's message id; ``SendFailed`` on failure."""
        raise NotImplementedError

    def setup_help(self, channel: Channel, inbound_url: str, status_url: str) -> str:
        """Text an administrator pastes into the gateway's configuration."""
        return f"Inbound URL: {inbound_url}\nStatus URL: {status_url}\n"
