"""The Kannel adapter's own rules, beyond the shared conformance suite: how it reads
what smsbox sends, how it maps sendsms answers and delivery reports, what it tells the
administrator."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.test import Client

from responsemap.intake.channels.actions import do_create_channel
from responsemap.intake.channels.base import Outgoing, SendFailed
from responsemap.intake.channels.kannel.adapter import (
    INBOUND_QUERY,
    KannelType,
    delivery_report_url,
    post_url,
)
from responsemap.intake.channels.kannel.gsm import as_sent, is_gsm7, plain_punctuation
from responsemap.intake.channels.kannel.tests.case import (
    SECRET,
    SENDSMS_URL,
    KannelCase,
    basic_auth,
    mo_request,
)
from responsemap.intake.channels.models import Channel
from responsemap.intake.channels.tests.conformance import inbound_url, status_url
from responsemap.intake.channels.tests.send_errors import no_answer, refused
from responsemap.intake.messages.models import InboundMessage
from responsemap.projects.models import Project
from responsemap.protection.present import open_for_system

SENDER = "+50937001122"
STATUS_URL = "https://rm.example.org/channels/0b6c/status"


@pytest.fixture
def channel(project: Project) -> Channel:
    case = KannelCase()
    return do_create_channel(
        project_id=project.pk,
        kind="kannel",
        name="kannel test",
        address=case.address,
        config={**case.config, "allowed_ips": ["127.0.0.1", "10.20.0.0/16"]},
        secrets=dict(case.secrets),
    )


def stored_text(channel: Channel) -> str | None:
    return open_for_system(InboundMessage.objects.get(channel=channel), "text", purpose="test")


@pytest.mark.parametrize(
    ("text", "fits"),
    [
        ("Dlo a koupe depi 3 jou", True),
        ("Distribisyon an se jedi à 10è, mèsi", True),  # à, è are GSM-7
        ("Prix: 5€ [ok] {x}", True),  # extension table
        ("garçon, la fête", False),  # lower-case ç and ê are not
        ("شكرا", False),
        ("ok 😀", False),
        ("ESC \x1b alone", False),
    ],
)
def test_gsm7(text: str, fits: bool) -> None:
    assert is_gsm7(text) is fits


def test_typographic_punctuation_has_plain_twins() -> None:
    """A translation's curly apostrophe or dash would send the whole SMS as UCS-2."""
    text = "Votre message n\u2019a pas été gardé \u2013 « merci »\u2026"
    assert not is_gsm7(text)
    assert plain_punctuation(text) == 'Votre message n\'a pas été gardé - " merci "...'
    assert is_gsm7(plain_punctuation(text))
    assert as_sent(text) == plain_punctuation(text)
    arabic = "شكرا \u2014 merci"  # UCS-2 anyway: sent as written
    assert as_sent(arabic) == arabic


# --- inbound ------------------------------------------------------------------------


@pytest.mark.django_db
def test_answer_is_an_empty_200_so_smsbox_sends_nothing_back(channel: Channel) -> None:
    response = mo_request("m-1", SENDER, b"Dlo a koupe").send(Client(), inbound_url(channel))
    assert response.status_code == 200
    assert response.content == b""
    message = InboundMessage.objects.get(channel=channel)
    assert message.provider_message_id == "m-1"
    assert message.sent_at == datetime(2026, 11, 21, 23, 25, 57, tzinfo=UTC)
    assert message.meta == {"coding": "0", "smsc": "fake"}


@pytest.mark.django_db
def test_ucs2_without_mo_recode_is_decoded_from_utf16(channel: Channel) -> None:
    text = "Dlo a koupe — شكرا élève 😀"
    request = mo_request(
        "m-2",
        SENDER,
        text.encode("utf-16-be"),
        coding="2",
        charset="UTF-16BE",
        content_type='text/plain; charset="UTF-16BE"',
    )
    assert request.send(Client(), inbound_url(channel)).status_code == 200
    assert stored_text(channel) == text


@pytest.mark.django_db
def test_8bit_data_is_utf8_when_it_can_be(channel: Channel) -> None:
    text = "Mesaj long an — رسالة طويلة " * 10  # what reassembled 8-bit parts carry
    request = mo_request(
        "m-3",
        SENDER,
        text.encode(),
        coding="1",
        charset="8-BIT",
        content_type="application/octet-stream",
    )
    assert request.send(Client(), inbound_url(channel)).status_code == 200
    assert stored_text(channel) == text


@pytest.mark.django_db
def test_8bit_binary_is_kept_byte_for_byte(channel: Channel) -> None:
    request = mo_request(
        "m-4",
        SENDER,
        bytes([0x06, 0x45, 0xFF, 0x00]),
        coding="1",
        charset="8-BIT",
        content_type="application/octet-stream",
    )
    assert request.send(Client(), inbound_url(channel)).status_code == 200
    assert stored_text(channel) == "\x06\x45\xff\x00"


@pytest.mark.django_db
def test_text_is_kept_exactly_spaces_and_newlines_included(channel: Channel) -> None:
    text = "  two  spaces\nand a tab\t "
    assert mo_request("m-5", SENDER, text.encode()).send(Client(), inbound_url(channel))
    assert stored_text(channel) == text


@pytest.mark.django_db
def test_00_prefix_and_query_from_are_accepted(channel: Channel, project: Project) -> None:
    request = mo_request("m-6", None, b"from the query")
    request.query["from"] = "0050937001122"
    assert request.send(Client(), inbound_url(channel)).status_code == 200
    contact = InboundMessage.objects.get(channel=channel).contact
    assert contact is not None
    assert open_for_system(contact, "phone", purpose="test") == SENDER


@pytest.mark.django_db
def test_secret_in_the_query_is_accepted_too(channel: Channel) -> None:
    request = mo_request("m-7", SENDER, b"query secret", secret=None)
    request.query["secret"] = SECRET
    assert request.send(Client(), inbound_url(channel)).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("authorization", "status"),
    [
        (None, 401),
        ("Basic !!!not-base64", 401),
        (basic_auth(SECRET[:-1]), 403),
        (basic_auth(SECRET + "x"), 403),
        (basic_auth(SECRET, user="someone-else"), 200),  # only the password counts
    ],
)
def test_credentials(channel: Channel, authorization: str | None, status: int) -> None:
    request = mo_request("m-8", SENDER, b"hello", secret=None)
    if authorization:
        request.headers["Authorization"] = authorization
    assert request.send(Client(), inbound_url(channel)).status_code == status


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("remote", "status"), [("127.0.0.1", 200), ("10.20.3.4", 200), ("192.0.2.7", 403)]
)
def test_source_allow_list(channel: Channel, remote: str, status: int) -> None:
    response = Client(REMOTE_ADDR=remote).generic(
        "POST",
        inbound_url(channel) + "?id=m-9&coding=0",
        b"hello",
        content_type="text/plain",
        headers={"Authorization": basic_auth(SECRET), "X-Kannel-From": SENDER},
    )
    assert response.status_code == status
    assert InboundMessage.objects.filter(channel=channel).exists() is (status == 200)


@pytest.mark.django_db
def test_an_invalid_allow_list_refuses_rather_than_opens(channel: Channel) -> None:
    Channel.objects.filter(pk=channel.pk).update(config={**channel.config, "allowed_ips": ["x"]})
    response = mo_request("m-10", SENDER, b"hello").send(Client(), inbound_url(channel))
    assert response.status_code == 403


@pytest.mark.django_db
def test_a_channel_without_secret_refuses_everything(project: Project) -> None:
    bare = do_create_channel(project_id=project.pk, kind="kannel", name="bare", secrets={})
    response = mo_request("m-11", SENDER, b"hello").send(Client(), inbound_url(bare))
    assert response.status_code == 403


# --- delivery reports ---------------------------------------------------------------


def report(outbound_id: str, report_type: str, secret: str = SECRET) -> dict[str, object]:
    return {
        "path": f"?out={outbound_id}&type={report_type}&err=",
        "headers": {"Authorization": basic_auth(secret)},
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("report_type", "state"),
    [("1", "delivered"), ("2", "failed"), ("4", "sent"), ("8", "sent"), ("16", "failed")],
)
def test_report_types(channel: Channel, report_type: str, state: str) -> None:
    from django.test import RequestFactory

    outbound_id = str(uuid.uuid4())
    request = RequestFactory().get(f"/x?out={outbound_id}&type={report_type}&err=0x0b")
    (parsed,) = KannelType().parse_status(request, channel)
    assert parsed.state == state
    assert parsed.outbound_id == parsed.provider_message_id == outbound_id
    assert "0x0b" in parsed.reason


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("out=not-a-uuid&type=1", 400),
        ("type=1", 400),
        (f"out={uuid.UUID(int=1)}&type=", 400),
        (f"out={uuid.UUID(int=1)}&type=32", 200),  # unknown type: acknowledged, no change
    ],
)
def test_bad_reports(channel: Channel, query: str, status: int) -> None:
    response = Client().get(
        f"{status_url(channel)}?{query}", headers={"Authorization": basic_auth(SECRET)}
    )
    assert response.status_code == status
    if status == 200:
        assert response.json()["updated"] == 0


@pytest.mark.django_db
def test_reports_need_the_secret(channel: Channel) -> None:
    response = Client().get(
        f"{status_url(channel)}?out={uuid.uuid4()}&type=1",
        headers={"Authorization": basic_auth("wrong-secret-0000000")},
    )
    assert response.status_code == 403


# --- sending ------------------------------------------------------------------------


def kannel_channel(**config: object) -> Channel:
    return Channel(kind="kannel", address="424", config={"sendsms_url": SENDSMS_URL, **config})


def outgoing(text: str = "Distribisyon an se jedi.", to: str = SENDER) -> Outgoing:
    return Outgoing(id=str(uuid.UUID(int=42)), to=to, text=text, status_url=STATUS_URL)


SECRETS = dict(KannelCase.secrets)


def sent_params() -> dict[str, list[str]]:
    return parse_qs(urlsplit(str(responses.calls[-1].request.url)).query)


@responses.activate
def test_send_asks_for_reports_on_our_own_id() -> None:
    responses.get(SENDSMS_URL, body="0: Accepted for delivery", status=202)
    assert KannelType().send(kannel_channel(), SECRETS, outgoing()) == str(uuid.UUID(int=42))
    params = sent_params()
    assert params["to"] == [SENDER]
    assert params["from"] == ["424"]
    assert params["text"] == ["Distribisyon an se jedi."]
    assert params["charset"] == ["UTF-8"]
    assert "coding" not in params  # GSM-7 text: 160 characters a part
    assert params["dlr-mask"] == ["31"]
    dlr = urlsplit(params["dlr-url"][0])
    assert dlr.username == "kannel"
    assert dlr.password == SECRET
    assert dlr.path == "/channels/0b6c/status"
    assert dlr.query == f"out={uuid.UUID(int=42)}&type=%d&err=%B"
    assert "%A" not in params["dlr-url"][0]


@responses.activate
def test_send_unicode_as_ucs2_and_route_to_a_named_smsc() -> None:
    responses.get(SENDSMS_URL, body="3: Queued for later delivery", status=202)
    KannelType().send(kannel_channel(smsc="smpp-op1"), SECRETS, outgoing("Ça va — شكرا"))
    assert sent_params()["coding"] == ["2"]
    assert sent_params()["smsc"] == ["smpp-op1"]


@responses.activate
@pytest.mark.parametrize(
    ("status", "body", "retry"),
    [
        (403, "Authorization failed for sendsms", False),
        (400, "Number(s) 50937001122 has/have been denied", False),
        (503, "Temporal failure, try again later.", True),
        (500, "", True),
    ],
)
def test_send_failures(status: int, body: str, retry: bool) -> None:
    responses.get(SENDSMS_URL, body=body, status=status)
    with pytest.raises(SendFailed) as failure:
        KannelType().send(kannel_channel(), SECRETS, outgoing())
    assert failure.value.retry is retry
    assert "50937001122" not in failure.value.reason  # digits masked


@responses.activate
@pytest.mark.parametrize(
    ("error", "retry", "maybe_sent"),
    [(refused(SENDSMS_URL), True, False), (no_answer(), False, True)],
    ids=["refused", "no-answer"],
)
def test_send_retries_only_what_smsbox_never_got(
    error: Exception, retry: bool, maybe_sent: bool
) -> None:
    responses.get(SENDSMS_URL, body=error)
    with pytest.raises(SendFailed) as failure:
        KannelType().send(kannel_channel(), SECRETS, outgoing())
    assert (failure.value.retry, failure.value.maybe_sent) == (retry, maybe_sent)


@responses.activate
@pytest.mark.parametrize(
    ("channel", "secrets", "message"),
    [
        (Channel(kind="kannel"), SECRETS, outgoing()),
        (kannel_channel(), {**SECRETS, "password": ""}, outgoing()),
        (kannel_channel(), {**SECRETS, "secret": "has%percent-and-more"}, outgoing()),
        (kannel_channel(), {**SECRETS, "secret": "short"}, outgoing()),
        (kannel_channel(), SECRETS, outgoing(to="+50937001122 +50937001133")),
    ],
)
def test_send_refuses_without_calling_kannel(
    channel: Channel, secrets: dict[str, str], message: Outgoing
) -> None:
    with pytest.raises(SendFailed) as failure:
        KannelType().send(channel, secrets, message)
    assert failure.value.retry is False
    assert not responses.calls


def test_urls_carry_the_secret_as_basic_auth_and_no_personal_escape() -> None:
    url = post_url("https://rm.example.org/channels/abc/receive", "s3cret-s3cret-s3cret")
    assert (
        url
        == f"https://kannel:s3cret-s3cret-s3cret@rm.example.org/channels/abc/receive?{INBOUND_QUERY}"
    )
    for personal in ("%p", "%q", "%P", "%a", "%b", "%A"):
        assert personal not in url
    assert delivery_report_url(STATUS_URL, "id-1", "x").startswith("https://kannel:x@rm.example")


def test_setup_help_has_the_groups_to_paste_and_no_secret() -> None:
    channel = kannel_channel()
    text = KannelType().setup_help(
        channel, "https://rm.example.org/channels/abc/receive", STATUS_URL
    )
    for line in (
        "group = sms-service",
        "group = sendsms-user",
        'post-url = "https://kannel:<SECRET>@rm.example.org/channels/abc/receive?id=%I',
        "send-sender = true",
        "max-messages = 0",
        "omit-empty = true",
        "mo-recode = true",
        f"channel config sendsms_url =\n# {SENDSMS_URL}",
    ):
        assert line in text
    assert SECRET not in text
