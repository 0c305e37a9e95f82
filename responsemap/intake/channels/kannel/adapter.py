"""Kannel 1.4 (bearerbox + smsbox): SMS in through an ``sms-service``, out through
``sendsms``, delivery reports through the ``dlr-url`` we hand Kannel with each send.

Inbound (what smsbox 1.4.5 really sends, checked against the real gateway in
tests/kannel/): a ``post-url`` service POSTs the message text as the body —
``text/plain; charset="UTF-8"`` once ``mo-recode = true`` has turned UCS-2 into UTF-8,
``charset="UTF-16BE"`` without it, ``application/octet-stream`` for 8-bit data and for
long messages bearerbox reassembled from 8-bit parts. The URL query carries only Kannel
escapes that are not personal data: ``id=%I`` (the message's UUID inside Kannel, kept
across smsbox's HTTP retries and bearerbox's store, so it is our idempotency key),
``ts=%T`` (epoch seconds; ``%t`` has no time zone), ``coding=%c``, ``charset=%C``. The
sender comes in the ``X-Kannel-From`` header (``send-sender = true``) rather than
``from=%p`` in the query, so phone numbers stay out of URLs and therefore out of proxy
access logs; ``from`` in the query is still accepted.

Authenticity: Kannel can't sign. Each channel has a shared ``secret`` that Kannel sends
as the password of HTTP basic auth, written into its URLs as ``http://kannel:SECRET@…``
(gwlib turns it into an ``Authorization`` header, for the post-url and the dlr-url
alike); ``?secret=`` in the query is accepted too. Compared in constant time. On top,
``config["allowed_ips"]`` (addresses or networks) limits ``REMOTE_ADDR``.

Answer: 200 with an empty body. smsbox would send a non-empty body back to the sender
as an SMS; the service also sets ``max-messages = 0`` because otherwise, once its HTTP
retries are spent, smsbox texts the person "Could not fetch content, sorry." Any
non-2xx answer (our 503 when the database is down, a refused request, a dropped
connection) makes smsbox retry ``http-request-retry`` times, ``http-queue-delay``
seconds apart, with the same ``%I``.

Outbound: GET ``config["sendsms_url"]`` with the ``username``/``password`` secrets,
``coding=2`` unless the text fits GSM-7, ``dlr-mask=31`` and a ``dlr-url`` that names
our outbound id. Kannel answers "0: Accepted for delivery" or "3: Queued for later
delivery" (both 202, both mean bearerbox holds the message) with no id of its own, so
the provider id we record is our own outbound id and reports are keyed on it.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import requests
from django.core.exceptions import TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, QueryDict

from responsemap.intake.channels.base import (
    ChannelType,
    Inbound,
    Outgoing,
    Rejected,
    SendFailed,
    StatusReport,
    check_given,
    declared_charset,
    require_given,
    require_secret,
    unreachable,
)
from responsemap.intake.channels.kannel.gsm import as_sent, decode_gsm7, is_gsm7
from responsemap.intake.channels.models import Channel
from responsemap.lib.charsets import TEXT_CHARSETS, charset_codec

# The user name in the basic-auth URLs we give Kannel; only the password is checked.
URL_USER = "kannel"
# Kannel escapes in the post-url query (see the module docstring for why these).
INBOUND_QUERY = "id=%I&ts=%T&coding=%c&charset=%C"
# Delivery-report types (sendsms dlr-mask bits) and what each means for our message.
DLR_DELIVERED, DLR_FAILED, DLR_BUFFERED, DLR_SMSC_ACCEPTED, DLR_SMSC_REJECTED = 1, 2, 4, 8, 16
DLR_MASK = DLR_DELIVERED | DLR_FAILED | DLR_BUFFERED | DLR_SMSC_ACCEPTED | DLR_SMSC_REJECTED
DLR_STATES = {
    DLR_DELIVERED: "delivered",
    DLR_FAILED: "failed",
    DLR_BUFFERED: "sent",  # the SMSC holds it for a phone that is off: out of our hands
    DLR_SMSC_ACCEPTED: "sent",
    DLR_SMSC_REJECTED: "failed",
}
# Unreserved URL characters only: the secret sits in URLs Kannel parses, where "%"
# starts an escape and "@", ":" and "/" end the user-info.
URL_SAFE_SECRET = re.compile(r"[A-Za-z0-9._~-]{16,200}")
# One recipient: a space would make sendsms send to several numbers.
RECIPIENT = re.compile(r"\+?[0-9]{1,20}")
MAX_ID = 128
MAX_SENDER = 64
CODINGS = {"0", "1", "2"}  # 7-bit (already recoded to text), 8-bit data, UCS-2
TIMEOUT_SECONDS = (5, 30)  # connect, read: smsbox answers once bearerbox has the message


def post_url(inbound_url: str, secret: str) -> str:
    """The sms-service ``post-url`` for a channel's inbound URL."""
    return f"{_with_credentials(inbound_url, secret)}?{INBOUND_QUERY}"


def delivery_report_url(status_url: str, outbound_id: str, secret: str) -> str:
    """The ``dlr-url`` for one outbound message; Kannel fills in ``%d`` (the report type)
    and ``%B`` (the SMSC's error code, for SMPP). Not ``%A``: with SMPP the SMSC's reply
    quotes the first 20 characters of the message, which has no place in a URL."""
    query = f"out={outbound_id}&type=%d&err=%B"
    return f"{_with_credentials(status_url, secret)}?{query}"


def _with_credentials(url: str, secret: str) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, f"{URL_USER}:{secret}@{netloc}", parts.path, "", ""))


def _query(request: HttpRequest) -> QueryDict:
    """The URL query, always read as UTF-8: Django decodes ``request.GET`` with the body's
    charset, and without mo-recode Kannel declares the body UTF-16BE."""
    try:
        return QueryDict(request.META.get("QUERY_STRING", ""), encoding="utf-8")
    except TooManyFieldsSent:
        raise Rejected(400, "URL query has too many fields") from None


def _given_secret(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    if header[:6].lower() == "basic ":
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise Rejected(401, "malformed Authorization header") from None
        return decoded.partition(":")[2]
    return _query(request).get("secret", "")


def _check_source(request: HttpRequest, channel: Channel) -> None:
    allowed: Any = channel.config.get("allowed_ips")
    if not allowed:
        return
    entries = allowed.split(",") if isinstance(allowed, str) else allowed
    try:
        networks = [ipaddress.ip_network(str(entry).strip(), strict=False) for entry in entries]
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        raise Rejected(403, "source address not allowed (or allowed_ips is invalid)") from None
    if not any(address in network for network in networks):
        raise Rejected(403, "source address not allowed")


def _field(query: QueryDict, name: str, *, limit: int = MAX_ID) -> str:
    value = query.get(name, "").strip()
    if not value:
        raise Rejected(400, f"'{name}' is missing from the URL query")
    if len(value) > limit:
        raise Rejected(400, f"'{name}' is longer than {limit} characters")
    if not value.isprintable():
        raise Rejected(400, f"'{name}' contains control characters")
    return value


def _sender(request: HttpRequest) -> str:
    sender = (request.headers.get("X-Kannel-From") or _query(request).get("from", "")).strip()
    if not sender:
        raise Rejected(400, "no sender: set send-sender = true in the sms-service group")
    if len(sender) > MAX_SENDER or not sender.isprintable():
        raise Rejected(400, "sender is not a phone number or short code")
    if sender.startswith("00") and sender[2:].isdigit():
        sender = "+" + sender[2:]  # as Kannel's %q does
    return sender


def _sent_at(value: str) -> datetime | None:
    if not value:
        return None
    try:
        seconds = int(value)
        return datetime.fromtimestamp(seconds, tz=UTC) if seconds > 0 else None
    except (ValueError, OverflowError, OSError):
        raise Rejected(400, "'ts' must be Kannel's %T (seconds since the epoch)") from None


def _charset(request: HttpRequest, coding: str) -> str:
    """The codec the text is declared in: the body's Content-Type charset, else the
    query's ``charset`` (Kannel's %C), else what the coding implies. 415 for a charset
    we don't know (the shared view has refused an unknown Content-Type charset already)."""
    declared = (
        declared_charset(request)
        or _query(request).get("charset", "").strip()
        or ("UTF-16BE" if coding == "2" else "UTF-8")
    )
    codec = charset_codec(declared)
    if codec is None:
        raise Rejected(415, "unknown or unsupported charset")
    return codec


def _decode(body: bytes, codec: str) -> str:
    return decode_gsm7(body) if codec == "gsm" else body.decode(codec)


def _text(request: HttpRequest, coding: str) -> tuple[str, bytes, str | None]:
    """(text, raw bytes, encoding fault): the text, and — if the body did not decode as
    declared — its bytes and the declared codec. Such a body (an SMS centre that sends
    UTF-8 labelled UCS-2) is kept as a best guess, never refused: smsbox would retry
    it for an hour, then drop it."""
    body = request.body
    if coding == "1":
        # 8-bit data: bytes, by definition. Gateways and the fake SMSC put UTF-8 there
        # (and bearerbox reassembles 8-bit concatenated parts); anything else is kept
        # byte for byte as Latin-1 rather than refused — smsbox would only retry.
        try:
            return body.decode("utf-8"), b"", None
        except UnicodeDecodeError:
            return body.decode("latin-1"), b"", None
    codec = _charset(request, coding)
    try:
        text = _decode(body, codec)
    except UnicodeDecodeError:
        pass
    else:
        if not (codec.startswith("utf-16") and _is_plain_utf8(body)):
            return text, b"", None
    try:
        guess = body.decode("utf-8")
    except UnicodeDecodeError:
        guess = body.decode("latin-1", errors="replace")
    return guess, body, codec


def _is_plain_utf8(body: bytes) -> bool:
    """Whether bytes declared UCS-2 are really UTF-8 (an even number of them decodes as
    UTF-16 too, into CJK-looking nonsense). Real UCS-2 of any alphabet but CJK has a
    high byte below 0x20 in every character (00 Latin, 04 Cyrillic, 06 Arabic…), which
    in UTF-8 is a control character; UTF-8 text has none but tab and line breaks."""
    try:
        decoded = body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not any(ch < " " and ch not in "\t\r\n" for ch in decoded)


def _reason_of_refusal(response: requests.Response) -> str:
    # Kannel's own words ("Authorization failed for sendsms"), digits masked so a
    # number never lands in last_error.
    said = re.sub(r"\d", "#", " ".join(response.text.split())[:80])
    return f"Kannel refused the message (HTTP {response.status_code}): {said}"


class KannelType(ChannelType):
    kind = "kannel"
    label = "Kannel SMS gateway (smsbox sms-service + sendsms)"
    # The body is the text, in the charset Kannel names: UTF-8 (mo-recode), UTF-16BE
    # (UCS-2), Latin-1 and friends, or the GSM default alphabet.
    charsets = TEXT_CHARSETS | {"gsm"}

    def verify(self, request: HttpRequest, channel: Channel, secrets: dict[str, str]) -> None:
        _check_source(request, channel)
        secret = require_secret(secrets, "secret", "secret")
        given = require_given(
            _given_secret(request), f"missing credentials: put {URL_USER}:SECRET@ in the URL"
        )
        check_given(given, secret, "wrong secret")

    def parse(self, request: HttpRequest, channel: Channel) -> list[Inbound]:
        if request.method != "POST":
            raise Rejected(405, "use POST (a post-url sms-service)")
        query = _query(request)
        message_id = _field(query, "id")
        sender = _sender(request)
        coding = query.get("coding") or request.headers.get("X-Kannel-Coding") or "0"
        if coding not in CODINGS:
            raise Rejected(400, "'coding' must be Kannel's %c (0, 1 or 2)")
        meta = {"coding": coding}
        smsc = request.headers.get("X-Kannel-SMSC", "")
        if smsc.isprintable() and 0 < len(smsc) <= 64:
            meta["smsc"] = smsc
        text, raw, fault = _text(request, coding)
        if fault:
            meta["encoding_fault"] = fault
        return [
            Inbound(
                provider_message_id=message_id,
                sender=sender,
                text=text,
                sent_at=_sent_at(query.get("ts", "").strip()),
                meta=meta,
                raw=raw,
            )
        ]

    def acknowledge(self, request: HttpRequest, channel: Channel, stored: int) -> HttpResponse:
        # Empty: a body would go back to the sender as an SMS (with max-messages = 0
        # smsbox refuses to, but the answer must be right on its own).
        return HttpResponse(b"", content_type="text/plain; charset=utf-8")

    def parse_status(self, request: HttpRequest, channel: Channel) -> list[StatusReport]:
        if request.method not in ("GET", "POST"):
            raise Rejected(405, "use GET (Kannel fetches the dlr-url)")
        query = _query(request)
        outbound_id = _field(query, "out")
        try:
            uuid.UUID(outbound_id)
        except ValueError:
            raise Rejected(400, "'out' is not one of our message ids") from None
        report_type = query.get("type", "").strip()
        if not report_type.isdigit():
            raise Rejected(400, "'type' must be Kannel's %d")
        state = DLR_STATES.get(int(report_type))
        if state is None:
            return []  # a report type we don't act on: acknowledged, nothing changes
        error = re.sub(r"[^0-9A-Za-z:x_-]", "", query.get("err", ""))[:32]
        reason = f"Kannel report {report_type}" + (f", SMSC error {error}" if error else "")
        return [
            StatusReport(
                provider_message_id=outbound_id,
                state=state,
                reason=reason,
                outbound_id=outbound_id,
            )
        ]

    def send(self, channel: Channel, secrets: dict[str, str], message: Outgoing) -> str:
        url = channel.config.get("sendsms_url", "")
        username, password = secrets.get("username", ""), secrets.get("password", "")
        secret = secrets.get("secret", "")
        if not url:
            raise SendFailed("channel has no sendsms_url", retry=False)
        if not username or not password:
            raise SendFailed("channel has no sendsms username/password", retry=False)
        if not URL_SAFE_SECRET.fullmatch(secret):
            raise SendFailed(
                "channel secret must be 16+ letters, digits or -._~ (it goes in URLs)",
                retry=False,
            )
        if not RECIPIENT.fullmatch(message.to):
            raise SendFailed("recipient is not a phone number", retry=False)
        params = {
            "username": username,
            "password": password,
            "to": message.to,
            "text": as_sent(message.text),
            "charset": "UTF-8",
            "dlr-mask": str(DLR_MASK),
            "dlr-url": delivery_report_url(message.status_url, message.id, secret),
        }
        if channel.address:
            params["from"] = channel.address
        if not is_gsm7(params["text"]):
            params["coding"] = "2"
        if channel.config.get("smsc"):
            params["smsc"] = str(channel.config["smsc"])
        try:
            # The query goes to smsbox only (loopback or the gateway's LAN); GET is
            # what sendsms documents.
            response = requests.get(f"{url}?{urlencode(params)}", timeout=TIMEOUT_SECONDS)
        except requests.RequestException as exc:
            raise unreachable("Kannel smsbox", exc) from None
        if 200 <= response.status_code < 300:
            # "0: Accepted for delivery" or "3: Queued for later delivery": bearerbox
            # holds it either way (and keeps it in its store), so never resend.
            return message.id
        if response.status_code >= 500:
            # 503 "Temporal failure, try again later" and friends.
            raise SendFailed(f"Kannel answered {response.status_code}", retry=True)
        raise SendFailed(_reason_of_refusal(response), retry=False)

    def setup_help(self, channel: Channel, inbound_url: str, status_url: str) -> str:
        sendsms_url = channel.config.get("sendsms_url") or "http://<smsbox>:13013/cgi-bin/sendsms"
        return SETUP_HELP.format(
            post_url=post_url(inbound_url, "<SECRET>"),
            receiver=channel.address or "<the channel's number>",
            sendsms_url=sendsms_url,
            dlr_url=delivery_report_url(status_url, "<outbound id>", "<SECRET>"),
        )


SETUP_HELP = """\
Kannel 1.4: paste these groups into kannel.conf (deploy/kannel/ has a whole file).
<SECRET> is the channel's shared secret (manage.py channel_info --show-secret);
<USERNAME>/<PASSWORD> are the channel's sendsms username/password secrets.

# In the smsbox group: UCS-2 arrives as UTF-8; retry a failed POST for an hour
# (smsbox forgets the message after the last retry); log no message text.
group = smsbox
mo-recode = true
http-request-retry = 360
http-queue-delay = 10
log-level = 2

# Every incoming SMS (to {receiver}) is POSTed to Response Map.
group = sms-service
keyword = default
catch-all = true
post-url = "{post_url}"
send-sender = true
max-messages = 0
omit-empty = true

# The account Response Map sends replies through (channel config sendsms_url =
# {sendsms_url}).
group = sendsms-user
username = <USERNAME>
password = <PASSWORD>
max-messages = 10
concatenation = true
user-deny-ip = "*.*.*.*"
user-allow-ip = "127.0.0.1"

Delivery reports need no configuration: each send asks for dlr-mask=31 and
dlr-url={dlr_url}
"""
