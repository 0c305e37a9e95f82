"""Twilio specifics beyond the shared contract: the signature and the public URL, TwiML,
media, status vocabulary, and the Messages API."""

from __future__ import annotations

import base64
import uuid
from urllib.parse import parse_qs, urlencode

import pytest
import responses
from django.http import HttpRequest
from django.test import Client, RequestFactory, override_settings

from responsemap.intake.channels.actions import do_create_channel
from responsemap.intake.channels.base import Inbound, Outgoing, Rejected, SendFailed
from responsemap.intake.channels.models import Channel
from responsemap.intake.channels.tests.conformance import inbound_url, status_url
from responsemap.intake.channels.tests.send_errors import refused
from responsemap.intake.channels.twilio.adapter import (
    FORM,
    SIGNATURE_HEADER,
    TwilioType,
    compute_signature,
)
from responsemap.intake.channels.twilio.tests.case import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    SEND_URL,
    form_request,
    inbound_params,
    message_resource,
    sid,
    status_params,
)
from responsemap.intake.messages.models import InboundMessage, OutboundMessage
from responsemap.intake.messages.receive import do_receive_message
from responsemap.intake.messages.send import do_queue_outbound
from responsemap.projects.models import Project
from responsemap.protection.present import open_for_system

PUBLIC = "https://feedback.example.org"
PATH = "/channels/6f1c2d3e-0000-4000-8000-000000000001/receive"
SECRETS = {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN}
adapter = TwilioType()


def unsaved_channel(**config: object) -> Channel:
    return Channel(kind="twilio", address="+50930000000", config=config)


def signed_post(params: dict[str, str], url: str, *, path: str = PATH) -> HttpRequest:
    """A request as it reaches Django (http://testserver…), signed for ``url``."""
    signature = compute_signature(AUTH_TOKEN, url, {k: [v] for k, v in params.items()})
    return RequestFactory().post(
        path, urlencode(params), content_type=FORM, headers={SIGNATURE_HEADER: signature}
    )


def test_signature_matches_the_published_example() -> None:
    # The fixture of Twilio's request-validation documentation and SDK test suites.
    params = {
        "CallSid": ["CA1234567890ABCDE"],
        "Caller": ["+14158675309"],
        "Digits": ["1234"],
        "From": ["+14158675309"],
        "To": ["+18005551212"],
    }
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert compute_signature("12345", url, params) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="


@override_settings(RESPONSEMAP_PUBLIC_URL=PUBLIC + "/")
def test_the_signed_url_is_the_public_one_not_the_one_django_sees() -> None:
    params = inbound_params(sid("a"), "+50937001122", "bonjou", "+50930000000")
    adapter.verify(signed_post(params, PUBLIC + PATH), unsaved_channel(), SECRETS)
    with pytest.raises(Rejected) as refused:
        adapter.verify(signed_post(params, "http://testserver" + PATH), unsaved_channel(), SECRETS)
    assert refused.value.status == 403


@override_settings(RESPONSEMAP_PUBLIC_URL=PUBLIC)
def test_the_default_port_may_be_in_the_signed_url_or_not() -> None:
    params = inbound_params(sid("a"), "+50937001122", "bonjou", "+50930000000")
    request = signed_post(params, "https://feedback.example.org:443" + PATH)
    adapter.verify(request, unsaved_channel(), SECRETS)
    with override_settings(RESPONSEMAP_PUBLIC_URL=PUBLIC + ":443"):
        adapter.verify(signed_post(params, PUBLIC + PATH), unsaved_channel(), SECRETS)


@override_settings(RESPONSEMAP_PUBLIC_URL=PUBLIC)
def test_query_string_is_part_of_what_is_signed() -> None:
    params = inbound_params(sid("a"), "+50937001122", "bonjou", "+50930000000")
    request = signed_post(params, f"{PUBLIC}{PATH}?outbound=1", path=f"{PATH}?outbound=1")
    adapter.verify(request, unsaved_channel(), SECRETS)
    replayed = signed_post(params, f"{PUBLIC}{PATH}?outbound=1", path=f"{PATH}?outbound=2")
    with pytest.raises(Rejected):
        adapter.verify(replayed, unsaved_channel(), SECRETS)


@override_settings(RESPONSEMAP_PUBLIC_URL=PUBLIC)
@pytest.mark.parametrize(
    ("headers", "secrets", "status"),
    [
        ({}, SECRETS, 401),
        ({SIGNATURE_HEADER: "bm90IGl0"}, SECRETS, 403),
        ({SIGNATURE_HEADER: "signé"}, SECRETS, 403),  # non-ASCII must not crash the compare
        ({SIGNATURE_HEADER: "bm90IGl0"}, {"account_sid": ACCOUNT_SID}, 403),
    ],
)
def test_unauthentic_requests_are_refused(
    headers: dict[str, str], secrets: dict[str, str], status: int
) -> None:
    request = RequestFactory().post(PATH, "From=%2B1&MessageSid=SM1", FORM, headers=headers)
    with pytest.raises(Rejected) as refused:
        adapter.verify(request, unsaved_channel(), secrets)
    assert refused.value.status == status
    assert refused.value.reason


def test_a_tampered_parameter_breaks_the_signature() -> None:
    params = inbound_params(sid("a"), "+50937001122", "bonjou", "+50930000000")
    url = "http://127.0.0.1:8000" + PATH
    with override_settings(RESPONSEMAP_PUBLIC_URL="http://127.0.0.1:8000"):
        request = signed_post(params, url)
        request._body = request.body.replace(b"bonjou", b"bonsoir")
        with pytest.raises(Rejected):
            adapter.verify(request, unsaved_channel(), SECRETS)


@pytest.mark.django_db
def test_answer_is_empty_twiml_and_the_message_is_stored(project: Project) -> None:
    channel = do_create_channel(
        project_id=project.pk, kind="twilio", name="t", address="+50930000000", secrets=SECRETS
    )
    params = inbound_params(sid("x"), "+50937001122", "Pa gen dlo", channel.address)
    response = form_request(inbound_url(channel), params).send(Client(), inbound_url(channel))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.endswith(b"<Response/>")
    stored = InboundMessage.objects.get(channel=channel)
    assert stored.provider_message_id == sid("x")
    assert open_for_system(stored, "text", purpose="test") == "Pa gen dlo"


@pytest.mark.parametrize(
    ("media", "body", "text"),
    [
        ({"NumMedia": "1", "MediaContentType0": "image/jpeg"}, "", "[image]"),
        ({"NumMedia": "2", "MediaContentType0": "audio/ogg"}, "Gade sa", "[audio] Gade sa"),
        ({"NumMedia": "1", "MediaContentType0": "??"}, "", "[media]"),
        ({"NumMedia": "zero"}, "Bonjou", "Bonjou"),
    ],
)
def test_media_becomes_a_placeholder(media: dict[str, str], body: str, text: str) -> None:
    params = {**inbound_params(sid("m"), "+50937001122", body, "+50930000000"), **media}
    request = RequestFactory().post(PATH, urlencode(params), content_type=FORM)
    [message] = adapter.parse(request, unsaved_channel())
    assert message.text == text
    assert "MediaUrl0" not in str(message.meta)


@pytest.mark.parametrize(
    ("raw", "sender"),
    [
        ("+50937001122", "+50937001122"),
        ("whatsapp:+50937001122", "twilio:whatsapp:+50937001122"),
        ("telegram:123", "twilio:telegram:123"),  # never another kind's handle
        ("MYBRAND", "MYBRAND"),
    ],
)
def test_senders(raw: str, sender: str) -> None:
    params = inbound_params(sid("s"), raw, "t", "+50930000000")
    request = RequestFactory().post(PATH, urlencode(params), content_type=FORM)
    [message] = adapter.parse(request, unsaved_channel())
    assert message.sender == sender


@pytest.mark.parametrize(
    ("status", "state"),
    [
        ("sent", "sent"),
        ("delivered", "delivered"),
        ("read", "delivered"),
        ("undelivered", "failed"),
        ("failed", "failed"),
        ("queued", None),
        ("sending", None),
        ("accepted", None),
        ("some_future_status", None),
    ],
)
def test_status_vocabulary(status: str, state: str | None) -> None:
    request = RequestFactory().post(
        "/s", urlencode(status_params(sid("o"), status)), content_type=FORM
    )
    reports = adapter.parse_status(request, unsaved_channel())
    assert [report.state for report in reports] == ([state] if state else [])


def test_failed_status_carries_the_error_code_and_our_id() -> None:
    ours = uuid.uuid4()
    request = RequestFactory().post(
        f"/s?outbound={ours}",
        urlencode(status_params(sid("o"), "undelivered", "30003")),
        content_type=FORM,
    )
    [report] = adapter.parse_status(request, unsaved_channel())
    assert report.reason == "twilio error 30003"
    assert report.outbound_id == str(ours)
    assert report.provider_message_id == sid("o")


@pytest.mark.django_db
def test_status_before_the_sid_is_stored_still_finds_the_message(project: Project) -> None:
    channel = do_create_channel(
        project_id=project.pk, kind="twilio", name="t", address="+50930000000", secrets=SECRETS
    )
    received = do_receive_message(channel, Inbound(sid("in"), "+50937001122", "Bonjou"))
    outbound = do_queue_outbound(
        channel=channel,
        contact=received.message.contact,  # type: ignore[arg-type]
        purpose=OutboundMessage.Purpose.REPLY,
        text="Mèsi",
    )
    # The worker has not stored Twilio's SID yet when the first callback arrives.
    request = form_request(
        status_url(channel), status_params(sid("out"), "sent"), query=f"outbound={outbound.pk}"
    )
    assert request.send(Client(), status_url(channel)).json() == {"ok": True, "updated": 1}
    outbound.refresh_from_db()
    assert outbound.state == OutboundMessage.State.SENT


def sent_form() -> dict[str, list[str]]:
    body = responses.calls[0].request.body
    assert isinstance(body, str)
    return parse_qs(body)


def outgoing() -> Outgoing:
    return Outgoing(
        id=str(uuid.UUID(int=7)),
        to="+50937001122",
        text="Distribisyon an se jedi.",
        status_url="https://feedback.example.org/channels/abc/status",
    )


@responses.activate
def test_send_posts_the_message_with_basic_auth_and_a_status_callback() -> None:
    responses.post(SEND_URL, status=201, json=message_resource(sid("sent")))
    assert adapter.send(unsaved_channel(), SECRETS, outgoing()) == sid("sent")
    request = responses.calls[0].request
    form = sent_form()
    assert form == {
        "To": ["+50937001122"],
        "Body": ["Distribisyon an se jedi."],
        "StatusCallback": [
            f"https://feedback.example.org/channels/abc/status?outbound={outgoing().id}"
        ],
        "From": ["+50930000000"],
    }
    credentials = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {credentials}"


@responses.activate
def test_send_through_a_messaging_service() -> None:
    responses.post(SEND_URL, status=201, json=message_resource(sid("sent")))
    channel = unsaved_channel(messaging_service_sid="MG" + "0" * 32)
    adapter.send(channel, SECRETS, outgoing())
    form = sent_form()
    assert form["MessagingServiceSid"] == ["MG" + "0" * 32]
    assert "From" not in form


@responses.activate
@pytest.mark.parametrize(
    ("status", "body", "retry"),
    [
        (400, {"code": 21211, "message": "The 'To' number +50937001122 is not valid."}, False),
        (401, {"code": 20003, "message": "Authenticate", "status": 401}, False),
        (429, {"code": 20429, "message": "Too Many Requests", "status": 429}, True),
        (500, None, True),
        (503, None, True),
        (302, None, False),
    ],
)  # fmt: skip
def test_send_failures(status: int, body: dict[str, object] | None, retry: bool) -> None:
    responses.post(SEND_URL, status=status, json=body)
    with pytest.raises(SendFailed) as failed:
        adapter.send(unsaved_channel(), SECRETS, outgoing())
    assert failed.value.retry is retry
    assert "+50937001122" not in failed.value.reason  # Twilio's message quotes the number
    if body:
        assert f"code {body['code']}" in failed.value.reason


@responses.activate
def test_send_when_twilio_is_unreachable_is_retried() -> None:
    responses.post(SEND_URL, body=refused(SEND_URL))
    with pytest.raises(SendFailed) as failed:
        adapter.send(unsaved_channel(), SECRETS, outgoing())
    assert failed.value.retry is True


@responses.activate
def test_send_accepted_without_a_sid_is_not_retried() -> None:
    responses.post(SEND_URL, status=201, body="<html>maintenance</html>")
    with pytest.raises(SendFailed) as failed:
        adapter.send(unsaved_channel(), SECRETS, outgoing())
    assert failed.value.retry is False


def test_send_without_credentials_fails_for_good() -> None:
    with pytest.raises(SendFailed) as failed:
        adapter.send(unsaved_channel(), {"account_sid": ACCOUNT_SID}, outgoing())
    assert failed.value.retry is False
