"""The inbound and status endpoints every channel shares.

Order of work, the same for every provider: find the channel (404; 410 if it is switched
off or its project takes no more messages), refuse oversized bodies (413), check
authenticity (401/403), parse (400 with a reason), store each message in its own
transaction (idempotent on the provider's id), then answer in the provider's format. If
the database is unreachable the answer is 503 with Retry-After, so the gateway keeps the
message and tries again.

The channel is kept per process (``queries``); the statement that stores a message
checks it is still as loaded. If not (``ChannelChanged``: switched off, closed or edited,
in any process), the request is served again with the channel loaded afresh: messages it
stored before are replays then, and nothing is stored for a channel that is gone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from responsemap.intake.channels.base import ChannelType, Inbound, Rejected
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
from responsemap.intake.messages.send import do_record_delivery

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = "5"

View = Callable[[HttpRequest, ChannelType, InboundChannel], HttpResponse]


def refusal(status: int, reason: str) -> JsonResponse:
    return JsonResponse({"ok": False, "error": reason}, status=status)


def webhook(view: View) -> Callable[[HttpRequest, str], HttpResponse]:
    def serve(request: HttpRequest, channel_id: str, *, again: bool = False) -> HttpResponse:
        inbound = channel_for_webhook(channel_id)
        if inbound is None:
            return refusal(404, "no channel at this address")
        if inbound.refusal:
            return refusal(410, inbound.refusal)
        adapter = adapter_for(inbound.channel.kind)
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        if declared > adapter.max_body or len(request.body) > adapter.max_body:
            return refusal(413, f"body larger than {adapter.max_body} bytes")
        try:
            adapter.verify(request, inbound.channel, inbound.secrets)
        except Rejected:
            if again:
                raise
            raise ChannelChanged from None  # its secret may have changed since loaded
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
    def wrapper(request: HttpRequest, channel_id: str) -> HttpResponse:
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
            response = refusal(503, "channel settings changing, retry later")
            response["Retry-After"] = RETRY_AFTER_SECONDS
            return response
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
            response = refusal(503, "temporarily unavailable, retry later")
            response["Retry-After"] = RETRY_AFTER_SECONDS
            return response

    return wrapper


def check_storable(inbound: Inbound) -> None:
    """An id the database can't store would be a 503 and a gateway retrying for ever."""
    pid = inbound.provider_message_id
    if not 0 < len(pid) <= 128 or not pid.isprintable():
        raise Rejected(400, "provider message id is empty, too long or not printable")


@webhook
def receive(request: HttpRequest, adapter: ChannelType, inbound: InboundChannel) -> HttpResponse:
    channel = inbound.channel
    # Parse everything before storing anything: a malformed part refuses the whole request.
    messages = adapter.parse(request, channel)
    reports = adapter.parse_status(request, channel) if adapter.statuses_on_receive else []
    for message in messages:
        check_storable(message)
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


@webhook
def status(request: HttpRequest, adapter: ChannelType, inbound: InboundChannel) -> HttpResponse:
    channel = inbound.channel
    check_still_taking(inbound)
    updated = 0
    for report in adapter.parse_status(request, channel):
        updated += do_record_delivery(
            channel, report.provider_message_id, report.state, report.outbound_id
        )
    return JsonResponse({"ok": True, "updated": updated})
