"""Africa's Talking specifics beyond the shared contract: the URL token and the IP
allow-list, dates, delivery-report vocabulary, and the messaging API."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlencode

import pytest
import responses
from django.http import HttpRequest
from django.test import RequestFactory

from responsemap.intake.channels.africastalking.adapter import (
    API_URL,
    FORM,
    SANDBOX_API_URL,
    AfricasTalkingType,
)
from responsemap.intake.channels.africastalking.tests.case import (
    CALLBACK_TOKEN,
    SHORT_CODE,
    USERNAME,
    inbound_params,
    report_params,
    send_answer,
)
from responsemap.intake.channels.base import Outgoing, Rejected, SendFailed
from responsemap.intake.channels.models import Channel
from responsemap.intake.channels.tests.send_errors import no_answer, refused

SECRETS = {"api_key": "atsk_test_key", "callback_token": CALLBACK_TOKEN}
adapter = AfricasTalkingType()


def unsaved_channel(**config: Any) -> Channel:
    return Channel(
        kind="africastalking", address=SHORT_CODE, config={"username": USERNAME, **config}
    )


def callback(
    params: dict[str, str], *, query: str = f"token={CALLBACK_TOKEN}", ip: str = "196.201.214.200"
) -> HttpRequest:
    return RequestFactory().post(f"/r?{query}", urlencode(params), FORM, REMOTE_ADDR=ip)


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("", 401),
        ("token=", 401),
        ("token=guessed", 403),
        ("token=%C3%A9t%C3%A9", 403),  # non-ASCII must not crash the compare
        (f"token={CALLBACK_TOKEN}x", 403),
    ],
)
def test_the_url_token_is_required(query: str, status: int) -> None:
    with pytest.raises(Rejected) as refused:
        adapter.verify(callback({}, query=query), unsaved_channel(), SECRETS)
    assert refused.value.status == status


def test_a_channel_without_a_callback_token_accepts_nothing() -> None:
    with pytest.raises(Rejected) as refused:
        adapter.verify(callback({}, query="token="), unsaved_channel(), {"api_key": "k"})
    assert refused.value.status == 403


@pytest.mark.parametrize(
    ("allowed", "ip", "ok"),
    [
        (["196.201.214.0/24"], "196.201.214.200", True),
        (["196.201.214.200"], "196.201.214.200", True),
        ("196.201.214.0/24", "196.201.214.7", True),
        (["196.201.214.0/24", "2001:db8::/32"], "2001:db8::1", True),
        (["196.201.214.0/24"], "::ffff:196.201.214.9", True),  # dual-stack socket
        (["196.201.214.0/24"], "203.0.113.9", False),
        (["196.201.214.0/24"], "", False),
        (["196.201.214.0/24"], "not an address", False),
        (["196.201.214.0/24", "nonsense"], "196.201.214.200", False),  # fails closed
        ({"ip": "196.201.214.200"}, "196.201.214.200", False),
        ([], "203.0.113.9", True),  # no allow-list: the token alone
    ],
)
def test_ip_allow_list(allowed: Any, ip: str, ok: bool) -> None:
    request = callback({}, ip=ip)
    channel = unsaved_channel(allowed_ips=allowed)
    if ok:
        adapter.verify(request, channel, SECRETS)
    else:
        with pytest.raises(Rejected) as refused:
            adapter.verify(request, channel, SECRETS)
        assert refused.value.status == 403


def test_inbound_message_fields() -> None:
    [message] = adapter.parse(
        callback(inbound_params("ATXid_abc", "+254711082302", "  Maji yamekwisha  ")),
        unsaved_channel(),
    )
    assert message.provider_message_id == "ATXid_abc"
    assert message.sender == "+254711082302"
    assert message.text == "Maji yamekwisha"
    assert message.sent_at == datetime(2024, 11, 21, 12, 0, tzinfo=UTC)
    assert message.meta == {"network_code": "63902"}


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("2024-11-21 12:00:00", datetime(2024, 11, 21, 12, 0, tzinfo=UTC)),
        ("2024-11-21T12:00:00.500Z", datetime(2024, 11, 21, 12, 0, 0, 500000, tzinfo=UTC)),
        ("2024-11-21T15:00:00+03:00", datetime(2024, 11, 21, 12, 0, tzinfo=UTC)),
        ("yesterday", None),
        ("0001-01-01T00:00:00+01:00", None),  # would overflow on the way to UTC
        ("9999-12-31T23:59:59-01:00", None),
        ("", None),
    ],
)
def test_dates(date: str, expected: datetime | None) -> None:
    params = {**inbound_params("ATXid_d", "+254711082302", "t"), "date": date}
    [message] = adapter.parse(callback(params), unsaved_channel())
    assert message.sent_at == expected


def test_a_sender_never_passes_for_another_kinds_handle() -> None:
    params = inbound_params("ATXid_h", "telegram:123", "t")
    [message] = adapter.parse(callback(params), unsaved_channel())
    assert message.sender == "africastalking:telegram:123"


@pytest.mark.parametrize(
    ("status", "state"),
    [
        ("Success", "delivered"),
        ("Sent", "sent"),
        ("Submitted", "sent"),
        ("Buffered", "sent"),
        ("Failed", "failed"),
        ("Rejected", "failed"),
        ("AbsentSubscriber", "failed"),
        ("SomethingNew", None),
    ],
)
def test_delivery_report_vocabulary(status: str, state: str | None) -> None:
    reports = adapter.parse_status(callback(report_params("ATXid_o", status)), unsaved_channel())
    assert [report.state for report in reports] == ([state] if state else [])


def test_failure_reason_is_kept_but_never_free_text() -> None:
    [report] = adapter.parse_status(
        callback(report_params("ATXid_o", "Failed", "InsufficientCredit")), unsaved_channel()
    )
    assert report.reason == "InsufficientCredit"
    [report] = adapter.parse_status(
        callback(report_params("ATXid_o", "Failed", "call +254711082302")), unsaved_channel()
    )
    assert report.reason == ""


def sent_form() -> dict[str, list[str]]:
    body = responses.calls[0].request.body
    assert isinstance(body, str)
    return parse_qs(body)


def outgoing() -> Outgoing:
    return Outgoing(
        id=str(uuid.UUID(int=9)),
        to="+254711082302",
        text="Usambazaji ni Alhamisi.",
        status_url="https://feedback.example.org/channels/abc/status",
    )


@responses.activate
def test_send_posts_form_data_with_the_api_key() -> None:
    responses.post(API_URL, status=201, json=send_answer("ATXid_sent"))
    assert adapter.send(unsaved_channel(), SECRETS, outgoing()) == "ATXid_sent"
    request = responses.calls[0].request
    assert sent_form() == {
        "username": [USERNAME],
        "to": ["+254711082302"],
        "message": ["Usambazaji ni Alhamisi."],
        "from": [SHORT_CODE],
    }
    assert request.headers["apiKey"] == "atsk_test_key"
    assert request.headers["Accept"] == "application/json"


@responses.activate
def test_sandbox_host_and_no_sender_id() -> None:
    responses.post(SANDBOX_API_URL, status=201, json=send_answer("ATXid_sandbox"))
    channel = Channel(
        kind="africastalking", address="", config={"username": "sandbox", "sandbox": True}
    )
    assert adapter.send(channel, SECRETS, outgoing()) == "ATXid_sandbox"
    assert "from" not in sent_form()


@responses.activate
@pytest.mark.parametrize(
    ("status", "code", "retry"),
    [
        ("InvalidPhoneNumber", 403, False),
        ("UserInBlacklist", 406, False),
        ("InsufficientBalance", 405, True),
        ("GatewayError", 501, True),
    ],
)
def test_refused_recipient(status: str, code: int, retry: bool) -> None:
    responses.post(API_URL, status=201, json=send_answer("None", status=status, code=code))
    with pytest.raises(SendFailed) as failed:
        adapter.send(unsaved_channel(), SECRETS, outgoing())
    assert failed.value.retry is retry
    assert status in failed.value.reason
    assert "+254711082302" not in failed.value.reason


@responses.activate
@pytest.mark.parametrize(
    ("http_status", "body", "retry"),
    [
        (401, "The supplied authentication is invalid", False),
        (400, "Invalid sender id", False),
        (500, "", True),
        (502, "", True),
    ],
)
def test_http_failures(http_status: int, body: str, retry: bool) -> None:
    responses.post(API_URL, status=http_status, body=body)
    with pytest.raises(SendFailed) as failed:
        adapter.send(unsaved_channel(), SECRETS, outgoing())
    assert failed.value.retry is retry


@responses.activate
def test_no_recipient_in_the_answer() -> None:
    responses.post(
        API_URL,
        status=201,
        json={"SMSMessageData": {"Message": "InvalidSenderId", "Recipients": []}},
    )
    with pytest.raises(SendFailed) as failed:
        adapter.send(unsaved_channel(), SECRETS, outgoing())
    assert failed.value.retry is False
    assert "InvalidSenderId" in failed.value.reason


@responses.activate
def test_unreachable_is_retried_no_answer_is_maybe_sent() -> None:
    responses.post(API_URL, body=refused(API_URL))
    with pytest.raises(SendFailed) as failed:
        adapter.send(unsaved_channel(), SECRETS, outgoing())
    assert (failed.value.retry, failed.value.maybe_sent) == (True, False)
    responses.replace(responses.POST, API_URL, body=no_answer())
    with pytest.raises(SendFailed) as failed:
        adapter.send(unsaved_channel(), SECRETS, outgoing())
    assert (failed.value.retry, failed.value.maybe_sent) == (False, True)


def test_missing_credentials_fail_for_good() -> None:
    with pytest.raises(SendFailed) as failed:
        adapter.send(Channel(kind="africastalking", config={}), SECRETS, outgoing())
    assert failed.value.retry is False
