"""Africa's Talking SMS.

Inbound: a form POST (from, to, text, date, id, linkId, networkCode) to the "incoming
messages" callback URL of the account. Africa's Talking does not sign its callbacks, so
authenticity rests on two things we control:

- a per-channel secret in the callback URL, ``?token=<secrets["callback_token"]>``,
  compared in constant time. It is a bearer secret: it ends up in the access logs of
  any proxy in front of us, so keep those logs private and rotate the token if they leak;
- optionally, ``config["allowed_ips"]``: addresses or networks (CIDR) the callbacks may
  come from. We read ``REMOTE_ADDR`` — behind a reverse proxy, the proxy (or gunicorn's
  forwarded-allow-ips) must set it to the client's address, as for the rest of the app.
  A malformed entry refuses everything: an allow-list that fails open is worse than none.

Delivery reports: a form POST (id, status, phoneNumber, networkCode, failureReason,
retryCount) to the account's delivery-reports URL — one per Africa's Talking username,
so give each channel its own username, or the reports of another channel's messages
land here and match nothing.

Send: POST ``/version1/messaging`` (form: username, to, message, from) with the
``apiKey`` header; ``config["sandbox"] = true`` uses the sandbox host instead (username
"sandbox"). Only those two hosts: the API key never goes anywhere else.

Channel: ``address`` is the short code or sender id ("from"; empty for the shared
default); ``config["username"]``; ``secrets`` = {"api_key", "callback_token"}.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import UTC, datetime

import requests
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http import HttpRequest

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

API_URL = "https://api.africastalking.com/version1/messaging"
SANDBOX_API_URL = "https://api.sandbox.africastalking.com/version1/messaging"
FORM = "application/x-www-form-urlencoded"
TOKEN_PARAM = "token"  # noqa: S105 (a parameter name)
TIMEOUT_SECONDS = 10
MAX_TEXT = 4096
MAX_SENDER = 64
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100

MESSAGE_ID = re.compile(r"[A-Za-z0-9_.:=+/-]{1,128}")
NETWORK_CODE = re.compile(r"\d{1,10}")
WORD = re.compile(r"[A-Za-z][A-Za-z ]{0,39}")
HEADER_SAFE = re.compile(r"[\x21-\x7e]{1,256}")
UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")

# Delivery report status → our state. "Sent", "Submitted" and "Buffered" mean the
# operator has it; "Success" that the handset has.
STATES = {
    "success": "delivered",
    "sent": "sent",
    "submitted": "sent",
    "buffered": "sent",
    "failed": "failed",
    "rejected": "failed",
    "absentsubscriber": "failed",
    "expired": "failed",
}

# Per-recipient status codes of a send: 100 Processed, 101 Sent, 102 Queued are
# accepted. Of the refusals, these may pass on a later try: 405 InsufficientBalance
# (a top-up), 500 InternalServerError, 501 GatewayError, 502 RejectedByGateway.
ACCEPTED_CODES = {100, 101, 102}
RETRY_CODES = {405, 500, 501, 502}


def _form(request: HttpRequest) -> dict[str, str]:
    if request.method != "POST":
        raise Rejected(405, "use POST")
    if request.content_type != FORM:
        raise Rejected(415, f"send {FORM}")
    # Django refuses too many fields, and (BadRequest) a charset other than UTF-8.
    try:
        return {name: (values[-1] if values else "") for name, values in request.POST.lists()}
    except (BadRequest, SuspiciousOperation, ValueError):
        raise Rejected(400, "form body could not be read") from None


def _required(form: dict[str, str], name: str, pattern: re.Pattern[str]) -> str:
    value = form.get(name, "").strip()
    if not value:
        raise Rejected(400, f"'{name}' is required")
    if not pattern.fullmatch(value):
        raise Rejected(400, f"'{name}' is not in Africa's Talking's format")
    return value


def _sender(form: dict[str, str]) -> str:
    raw = form.get("from", "").strip()
    if not raw:
        raise Rejected(400, "'from' is required")
    if len(raw) > MAX_SENDER or UNPRINTABLE.search(raw):
        raise Rejected(400, "'from' is not a sender Africa's Talking writes")
    # Never let a sender pass for another kind's handle ("telegram:…").
    if ":" in raw and not raw.startswith("+"):
        return f"africastalking:{raw}"
    return raw


def _sent_at(raw: str) -> datetime | None:
    """The gateway's receipt time. Times without a zone are UTC (what the API uses);
    anything unreadable or implausible is dropped rather than refusing the message.

    The year check also keeps away times that a zone offset pushes past year 1 or
    9999: converting those to UTC for the database raises OverflowError."""
    if not raw or len(raw) > 40:
        return None
    try:
        when = datetime.fromisoformat(raw.strip())
    except ValueError:
        return None
    if not EARLIEST_YEAR <= when.year <= LATEST_YEAR:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _allowed_networks(channel: Channel) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    entries = channel.config.get("allowed_ips") or []
    if isinstance(entries, str):
        entries = [entries]
    if not isinstance(entries, list):
        raise Rejected(403, "channel IP allow-list is misconfigured")
    try:
        return [ipaddress.ip_network(str(entry).strip(), strict=False) for entry in entries]
    except ValueError:
        raise Rejected(403, "channel IP allow-list is misconfigured") from None


def check_source(request: HttpRequest, channel: Channel) -> None:
    """Refuse a callback from outside ``config["allowed_ips"]`` (if the channel has one)."""
    networks = _allowed_networks(channel)
    if not networks:
        return
    try:
        address = ipaddress.ip_address(str(request.META.get("REMOTE_ADDR") or "").strip())
    except ValueError:
        raise Rejected(403, "request source address is unknown") from None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped  # a dual-stack socket reporting an IPv4 peer
    if not any(address in network for network in networks):
        raise Rejected(403, "request does not come from an allowed address")


def _api_url(channel: Channel) -> str:
    return SANDBOX_API_URL if channel.config.get("sandbox") is True else API_URL


def _first_recipient(response: requests.Response) -> dict[str, object]:
    try:
        data = response.json()["SMSMessageData"]
        recipients = data.get("Recipients") or []
    except (ValueError, KeyError, TypeError, AttributeError):
        raise SendFailed("Africa's Talking answered without SMSMessageData", retry=False) from None
    if not isinstance(recipients, list) or not recipients or not isinstance(recipients[0], dict):
        summary = data.get("Message") if isinstance(data, dict) else None
        detail = f": {summary}" if isinstance(summary, str) and WORD.fullmatch(summary) else ""
        raise SendFailed(f"Africa's Talking sent to no recipient{detail}", retry=False)
    first: dict[str, object] = recipients[0]
    return first


class AfricasTalkingType(ChannelType):
    kind = "africastalking"
    label = "Africa's Talking (SMS)"

    def verify(self, request: HttpRequest, channel: Channel, secrets: dict[str, str]) -> None:
        expected = require_secret(secrets, "callback_token", "callback token")
        check_source(request, channel)
        try:
            given = request.GET.get(TOKEN_PARAM, "")
        except (BadRequest, SuspiciousOperation, ValueError):
            raise Rejected(400, "query string could not be read") from None
        given = require_given(given, f"missing ?{TOKEN_PARAM}= in the callback URL")
        check_given(given, expected, "callback token does not match")

    def parse(self, request: HttpRequest, channel: Channel) -> list[Inbound]:
        form = _form(request)
        text = UNPRINTABLE.sub("", form.get("text", "")).strip()
        if len(text) > MAX_TEXT:
            raise Rejected(400, f"'text' is longer than {MAX_TEXT} characters")
        network = form.get("networkCode", "").strip()
        return [
            Inbound(
                provider_message_id=_required(form, "id", MESSAGE_ID),
                sender=_sender(form),
                text=text,
                sent_at=_sent_at(form.get("date", "")),
                meta={"network_code": network} if NETWORK_CODE.fullmatch(network) else {},
            )
        ]

    def parse_status(self, request: HttpRequest, channel: Channel) -> list[StatusReport]:
        form = _form(request)
        message_id = _required(form, "id", MESSAGE_ID)
        status = form.get("status", "").strip()
        if not status:
            raise Rejected(400, "'status' is required")
        state = STATES.get(status.lower())
        if state is None:
            return []  # a status added after this was written: acknowledge, change nothing
        reason = form.get("failureReason", "").strip()
        return [
            StatusReport(
                provider_message_id=message_id,
                state=state,
                reason=reason if state == "failed" and WORD.fullmatch(reason) else "",
            )
        ]

    def send(self, channel: Channel, secrets: dict[str, str], message: Outgoing) -> str:
        username = str(channel.config.get("username") or "")
        api_key = secrets.get("api_key", "")
        if not username or not api_key:
            raise SendFailed("channel has no Africa's Talking username or API key", retry=False)
        if not HEADER_SAFE.fullmatch(api_key):
            raise SendFailed("Africa's Talking API key is malformed", retry=False)
        data = {"username": username, "to": message.to, "message": message.text}
        if channel.address:
            data["from"] = channel.address
        try:
            response = requests.post(
                _api_url(channel),
                data=data,
                headers={"apiKey": api_key, "Accept": "application/json"},
                timeout=TIMEOUT_SECONDS,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise unreachable("Africa's Talking", exc) from None
        status = response.status_code
        if status == 429 or status >= 500:
            raise SendFailed(f"Africa's Talking answered {status}", retry=True)
        if status >= 300:
            raise SendFailed(f"Africa's Talking refused: {status}", retry=False)
        recipient = _first_recipient(response)
        code = recipient.get("statusCode")
        message_id = recipient.get("messageId")
        if code in ACCEPTED_CODES and isinstance(message_id, str) and message_id:
            return message_id
        # "status" names the refusal (InvalidPhoneNumber, InsufficientBalance…);
        # "number" is the recipient's and stays out of the error.
        name = recipient.get("status")
        detail = name if isinstance(name, str) and WORD.fullmatch(name) else "refused"
        known = isinstance(code, int) and not isinstance(code, bool)
        raise SendFailed(
            f"Africa's Talking: {detail}" + (f" ({code})" if known else ""),
            retry=known and code in RETRY_CODES,
        )

    def setup_help(self, channel: Channel, inbound_url: str, status_url: str) -> str:
        return (
            "In the Africa's Talking dashboard (SMS > Callback URLs), append the channel's\n"
            f"callback token as ?{TOKEN_PARAM}=…:\n"
            f"  Incoming messages: {inbound_url}?{TOKEN_PARAM}=<callback token>\n"
            f"  Delivery reports:  {status_url}?{TOKEN_PARAM}=<callback token>\n"
            "Optionally restrict callbacks to Africa's Talking's addresses with the\n"
            "channel's allowed_ips setting.\n"
        )
