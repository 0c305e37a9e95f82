"""The inbound and status endpoints every channel shares.

Order of work, the same for every provider: find the channel (404; 410 if it is switched
off or its project was destroyed), refuse oversized bodies (413) and bodies in
an unknown charset or content encoding (415), check authenticity (401/403), parse (400
with a reason), check each message can be stored (400 for an id or sender the database
can't hold), store each message in its own transaction (idempotent on the provider's
id), then answer in the provider's format. If the database is unreachable, or the
project's keys can't be read (a fault on our side: ``KeyUnavailable``), the answer is
503 with Retry-After, so the gateway keeps the message and tries again; the operator
gets one log line. A project whose key was destroyed takes nothing more: 410, like a
closed project. No fault on our side is ever answered with a 4xx, which gateways do not
retry (docs/channels.md, "Faults").

A closed project's channel still checks the gateway's proof, then keeps nothing: each
message is answered with the project's closure notice, sent back at once through the
gateway, and the gateway gets its usual success, so it does not retry
(``answer_closed_project``; docs/project-lifecycle.md).

The technical error page (DEBUG) of a webhook request shows none of its variables, form
fields or query (``WebhookReporter``): they hold channel secrets and message text.

The channel is kept per process (``queries``); the statement that stores a message
checks it is still as loaded. If not (``ChannelChanged``: switched off, closed or edited,
in any process), the request is served again with the channel loaded afresh: messages it
stored before are replays then, and nothing is stored for a channel that is gone.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import replace
from functools import wraps
from typing import Any

from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_variables

from responsemap.intake.channels.base import (
    ChannelType,
    Inbound,
    Rejected,
    check_encoding,
    encoding_fault,
)
from responsemap.intake.channels.queries import (
    ChannelChanged,
    InboundChannel,
    channel_for_webhook,
    forget_channel,
    still_taking,
)
from responsemap.intake.channels.registry import adapter_for
from responsemap.intake.contacts.actions import holds
from responsemap.intake.messages.receive import do_receive_message
from responsemap.intake.messages.send import do_record_delivery, send_closure_notice
from responsemap.protection.keystore import KeyDestroyed, KeyUnavailable

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = "5"
# Keys come back when the operator fixes a file or a mount: no point in retrying sooner.
KEYS_RETRY_AFTER_SECONDS = "60"

View = Callable[[HttpRequest, ChannelType, InboundChannel], HttpResponse]


def refusal(status: int, reason: str) -> JsonResponse:
    return JsonResponse({"ok": False, "error": reason}, status=status)


def retry_later(reason: str, seconds: str) -> JsonResponse:
    response = refusal(503, reason)
    response["Retry-After"] = seconds
    return response


QUERY_META = frozenset({"QUERY_STRING", "REQUEST_URI", "RAW_URI"})


class WebhookReporterFilter(SafeExceptionReporterFilter):
    """Hides every local variable and form field of a webhook request: secrets, the
    signature material and message text sit in variables named anything."""

    def get_traceback_frame_variables(self, request: Any, tb_frame: Any) -> Any:
        return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]

    def get_post_parameters(self, request: Any) -> Any:
        if request is None:
            return {}
        return {name: self.cleansed_substitute for name in request.POST}

    def get_safe_request_meta(self, request: Any) -> dict[str, Any]:
        meta = super().get_safe_request_meta(request)
        for name in meta:
            # Gateways' headers carry senders (X-Kannel-From) and proofs of origin; the
            # query carries tokens (?token=, ?secret=).
            if name.startswith("HTTP_") and name != "HTTP_HOST" or name in QUERY_META:
                meta[name] = self.cleansed_substitute
        return meta


class WebhookReporter(ExceptionReporter):
    """The technical error page without the query (a token or secret may be there)."""

    def get_traceback_data(self) -> dict[str, Any]:
        data = super().get_traceback_data()
        if self.request is not None:
            data["request_insecure_uri"] = self.request.path  # without the query
        if "request_GET_items" in data:
            data["request_GET_items"] = [
                (name, self.filter.cleansed_substitute) for name, _ in data["request_GET_items"]
            ]
        return data


def webhook(view: View, closed: View | None = None) -> Callable[[HttpRequest, str], HttpResponse]:
    """The shared pipeline around ``view``; ``closed`` answers for a closed project."""

    def serve(request: HttpRequest, channel_id: str, *, again: bool = False) -> HttpResponse:
        inbound = channel_for_webhook(channel_id)
        if inbound is None:
            return refusal(404, "no channel at this address")
        if inbound.refusal and not (inbound.closed and closed is not None):
            return refusal(410, inbound.refusal)
        adapter = adapter_for(inbound.channel.kind)
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        if declared > adapter.max_body or len(request.body) > adapter.max_body:
            return refusal(413, f"body larger than {adapter.max_body} bytes")
        check_encoding(request, adapter.charsets)
        try:
            adapter.verify(request, inbound.channel, inbound.secrets)
        except Rejected:
            if again:
                raise
            raise ChannelChanged from None  # its secret may have changed since loaded
        if inbound.closed and closed is not None:
            return closed(request, adapter, inbound)
        return view(request, adapter, inbound)

    def serve_as_loaded_now(request: HttpRequest, channel_id: str) -> HttpResponse:
        try:
            return serve(request, channel_id)
        except ChannelChanged:
            forget_channel(channel_id)
            # Changed again meanwhile: a 503 below, and the gateway retries.
            return serve(request, channel_id, again=True)

    @csrf_exempt
    @wraps(view)
    @sensitive_variables()
    def wrapper(request: HttpRequest, channel_id: str) -> HttpResponse:
        request.exception_reporter_filter = WebhookReporterFilter()  # type: ignore[attr-defined]
        request.exception_reporter_class = WebhookReporter  # type: ignore[attr-defined]
        try:
            request.get_host()  # served lean (lib/handlers.py): no middleware checked it
            try:
                return serve_as_loaded_now(request, channel_id)
            except (OperationalError, InterfaceError):
                # A persistent connection the database dropped (it restarted), found by
                # using it rather than by a check before every message (a round trip on
                # the hot path). Storing is idempotent on the provider's id, so the
                # request is served once more on a fresh connection; if the database is
                # really down, that fails too and the gateway gets its 503 below.
                connection.close()
                return serve_as_loaded_now(request, channel_id)
        except ChannelChanged:
            return retry_later("channel settings changing, retry later", RETRY_AFTER_SECONDS)
        except KeyDestroyed:
            # Crypto-shredded: the project is being destroyed and takes nothing more.
            forget_channel(channel_id)
            log.warning("message refused: the project's key was destroyed (channel %s)", channel_id)
            return refusal(410, "this channel is closed: its project's data was destroyed")
        except KeyUnavailable as exc:
            # A fault on our side (the message names the file and project, no key): the
            # gateway keeps the message and retries; the operator has the reason.
            log.error("project keys unavailable; asked the gateway to retry (channel %s): %s",
                      channel_id, exc)  # fmt: skip
            return retry_later("temporarily unavailable, retry later", KEYS_RETRY_AFTER_SECONDS)
        except Rejected as exc:
            return refusal(exc.status, exc.reason)
        except RequestDataTooBig:
            return refusal(413, "body too large")
        except (SuspiciousOperation, BadRequest) as exc:  # e.g. too many form/query fields
            return refusal(400, f"malformed request: {type(exc).__name__}")
        except ValueError as exc:  # e.g. a malformed channel id or Content-Length
            return refusal(400, f"malformed request: {type(exc).__name__}")
        except (OperationalError, InterfaceError, DatabaseError):
            log.warning("database unavailable; asked the gateway to retry (channel %s)", channel_id)
            return retry_later("temporarily unavailable, retry later", RETRY_AFTER_SECONDS)

    return wrapper


def answering_closed(closed: View) -> Callable[[View], Callable[[HttpRequest, str], HttpResponse]]:
    """``webhook``, with ``closed`` answering for a closed project's channel."""
    return lambda view: webhook(view, closed)


def answer_closed_project(
    request: HttpRequest, adapter: ChannelType, inbound: InboundChannel
) -> HttpResponse:
    """Each message to a closed project gets the closure notice back and nothing is kept
    (not the text, not the number); the gateway gets its usual success."""
    channel = inbound.channel
    messages = [storable(message) for message in adapter.parse(request, channel)]
    for message in messages:
        send_closure_notice(channel, inbound.secrets, message)
    return adapter.acknowledge(request, channel, 0)


def acknowledge_closed(
    request: HttpRequest, adapter: ChannelType, inbound: InboundChannel
) -> HttpResponse:
    """Delivery reports of a closed project (its closure notices): acknowledged, kept
    nowhere."""
    return JsonResponse({"ok": True, "updated": 0})


# Characters no text column can hold (PostgreSQL refuses NUL; UTF-8 has no lone
# surrogates), and other C0/C1 controls that have no place in an id or a sender.
UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")
SURROGATES = re.compile(r"[\ud800-\udfff]")


def storable(inbound: Inbound, fault: str | None = None) -> Inbound:
    """``inbound`` as it can be stored, or ``Rejected(400)`` before anything is.

    What lands in a clear column — the provider's id, the sender (a handle is kept in
    the clear as its blind index's input), ``meta`` (JSON) — must be printable: an id
    or sender with a NUL, a lone surrogate or a control character is refused, because
    storing it would fail after the gateway was told, or (retried) for ever. The text is
    sealed as UTF-8 bytes: a NUL in it is kept; a lone surrogate, which UTF-8 can't
    encode, becomes U+FFFD and the message is flagged, as for any text that did not
    decode as declared. ``fault`` is the body's own encoding fault (JSON, forms)."""
    pid = inbound.provider_message_id
    if not 0 < len(pid) <= 128 or not pid.isprintable():
        raise Rejected(400, "provider message id is empty, too long or not printable")
    if not inbound.sender.strip() or not inbound.sender.isprintable():
        raise Rejected(400, "sender is empty or not printable")
    if not _printable_json(inbound.meta):
        raise Rejected(400, "message metadata can't be stored")
    text = inbound.text
    if SURROGATES.search(text):
        text = SURROGATES.sub("\ufffd", text)
        fault = fault or "utf-8"
    if fault and "encoding_fault" not in inbound.meta:
        return replace(inbound, text=text, meta={**inbound.meta, "encoding_fault": fault})
    return replace(inbound, text=text) if text is not inbound.text else inbound


def _printable_json(value: object) -> bool:
    if isinstance(value, str):
        return not UNSTORABLE.search(value)
    if isinstance(value, dict):
        return all(_printable_json(k) and _printable_json(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return all(_printable_json(v) for v in value)
    return True


@answering_closed(answer_closed_project)
def receive(request: HttpRequest, adapter: ChannelType, inbound: InboundChannel) -> HttpResponse:
    channel = inbound.channel
    # Parse everything before storing anything: a malformed part refuses the whole request.
    messages = adapter.parse(request, channel)
    reports = adapter.parse_status(request, channel) if adapter.statuses_on_receive else []
    fault = encoding_fault(request) if messages else None
    messages = [storable(message, fault) for message in messages]
    if fault:
        # The body did not decode as declared: each message keeps it, sealed.
        messages = [m if m.raw else replace(m, raw=request.body) for m in messages]
    stored = 0
    for message in messages:
        if do_receive_message(channel, message, loaded=inbound).created:
            stored += 1
    if reports and not messages:
        check_still_taking(inbound)  # no message's statement checked it
    for report in reports:
        do_record_delivery(channel, report.provider_message_id, report.state, report.outbound_id)
    return adapter.acknowledge(request, channel, stored)


def check_still_taking(inbound: InboundChannel) -> None:
    """For a request that stores no message (delivery reports): the same check as the
    storing statement's, one query."""
    if not holds(still_taking(inbound)):
        raise ChannelChanged


@answering_closed(acknowledge_closed)
def status(request: HttpRequest, adapter: ChannelType, inbound: InboundChannel) -> HttpResponse:
    channel = inbound.channel
    check_still_taking(inbound)
    updated = 0
    for report in adapter.parse_status(request, channel):
        updated += do_record_delivery(
            channel, report.provider_message_id, report.state, report.outbound_id
        )
    return JsonResponse({"ok": True, "updated": updated})
