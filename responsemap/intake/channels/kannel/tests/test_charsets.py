"""What Kannel may hand over, and what becomes of text that is not what it says.

Kannel names the text's charset in the body's Content-Type and in ``charset=%C``: UTF-8
(``mo-recode``), UTF-16BE (UCS-2), Latin-1 and its kin, or the GSM default alphabet.
A charset we don't know is refused (415: the gateway's configuration is wrong). A body
that does not decode in the charset it names — an SMS centre that sends UTF-8 labelled
UCS-2 — comes from a gateway that proved its origin, and is never refused: smsbox would
retry it for an hour and then drop it. It is stored with a best guess at its text, its
bytes sealed, and a flag staff see on the record.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from responsemap.intake.channels.actions import do_create_channel
from responsemap.intake.channels.kannel.gsm import GSM7_ESCAPED, GSM7_TABLE, decode_gsm7
from responsemap.intake.channels.kannel.tests.case import KannelCase, mo_request
from responsemap.intake.channels.models import Channel
from responsemap.intake.channels.tests.conformance import inbound_url
from responsemap.intake.messages.models import InboundMessage
from responsemap.projects.models import Project
from responsemap.protection.present import open_for_system
from responsemap.triage.models import Feedback

SENDER = "+50937001122"
NOTE = "This message did not arrive in the encoding the gateway declared"


@pytest.fixture
def channel(project: Project) -> Channel:
    case = KannelCase()
    return do_create_channel(
        project_id=project.pk,
        kind="kannel",
        name="kannel charsets",
        address=case.address,
        config=dict(case.config),
        secrets=dict(case.secrets),
    )


def only_message(channel: Channel) -> InboundMessage:
    return InboundMessage.objects.get(channel=channel)


def text_of(message: InboundMessage) -> str | None:
    return open_for_system(message, "text", purpose="test")


def raw_of(message: InboundMessage) -> bytes:
    sealed = open_for_system(message, "raw", purpose="test")
    return base64.b64decode(sealed) if sealed else b""


def gsm_bytes(text: str) -> bytes:
    """Unpacked GSM 03.38: one septet a byte, ESC before an extension character."""
    escaped = {char: code for code, char in GSM7_ESCAPED.items()}
    out = bytearray()
    for char in text:
        if char in escaped:
            out += bytes([0x1B, escaped[char]])
        else:
            out.append(GSM7_TABLE.index(char))
    return bytes(out)


def test_gsm_decoder_reads_the_whole_alphabet() -> None:
    every = "".join(c for c in GSM7_TABLE if c != "\x1b") + "".join(GSM7_ESCAPED.values())
    assert decode_gsm7(gsm_bytes(every)) == every
    for bad in (b"\x80", b"ok\x1b", b"\x1b\x01"):
        with pytest.raises(UnicodeDecodeError):
            decode_gsm7(bad)


ACCENTS = "Dlo a koupe, élève à 10è — Ñandú"
SAMPLES: dict[str, tuple[str, str, Callable[[str], bytes]]] = {
    # label → (coding, text, how the gateway encodes it)
    "UTF-8": ("0", ACCENTS + " شكرا 😀", lambda t: t.encode("utf-8")),
    "UTF-16BE": ("2", ACCENTS + " شكرا 😀", lambda t: t.encode("utf-16-be")),
    "UCS-2": ("2", ACCENTS + " شكرا", lambda t: t.encode("utf-16-be")),
    "ISO-8859-1": ("0", "Dlo a koupe, élève à 10è", lambda t: t.encode("latin-1")),
    "WINDOWS-1252": ("0", "Prix: 5€ — élève", lambda t: t.encode("cp1252")),
    "GSM": ("0", "Dlo a koupe à 10è, 5€ [ok] {x} ÄÖÑÜ§¿", gsm_bytes),
}


@pytest.mark.django_db
@pytest.mark.parametrize("label", SAMPLES)
@pytest.mark.parametrize("where", ["content-type", "query"])
def test_every_charset_kannel_hands_over_is_read(channel: Channel, label: str, where: str) -> None:
    coding, text, encode = SAMPLES[label]
    content_type = f'text/plain; charset="{label}"' if where == "content-type" else "text/plain"
    request = mo_request(
        "cs-1", SENDER, encode(text), coding=coding, charset=label, content_type=content_type
    )
    response = request.send(Client(), inbound_url(channel))
    assert response.status_code == 200, response.content
    message = only_message(channel)
    assert text_of(message) == text
    assert "encoding_fault" not in message.meta
    assert message.raw is None


@pytest.mark.django_db
@pytest.mark.parametrize("charset", ["rot13", "zlib", "base64", "hex", "x-klingon", "idna"])
def test_an_unknown_charset_in_the_query_is_415(channel: Channel, charset: str) -> None:
    request = mo_request("cs-2", SENDER, b"uryyb", charset=charset, content_type="text/plain")
    response = request.send(Client(), inbound_url(channel))
    assert response.status_code == 415
    assert response.json()["error"] == "unknown or unsupported charset"
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("label", "coding", "body", "guess", "fault"),
    [
        # UTF-8 labelled UCS-2 (an odd number of bytes: not UTF-16): read as UTF-8.
        ("UTF-16BE", "2", "Dlo koupe élève".encode(), "Dlo koupe élève", "utf-16-be"),
        ("UCS-2", "2", "Mèsi".encode(), "Mèsi", "utf-16-be"),
        # An even number of bytes decodes as UTF-16 too, into CJK-looking nonsense: UTF-8
        # with no control character is read as UTF-8 (real UCS-2 of a non-CJK alphabet has
        # a high byte below 0x20 in every character).
        ("UCS-2", "2", b"Dlo a sal!", "Dlo a sal!", "utf-16-be"),
        ("UTF-16BE", "2", "الماء ملوث!".encode(), "الماء ملوث!", "utf-16-be"),
        # Not UTF-8 as declared, nor UTF-8 at all: Latin-1, byte for byte.
        ("UTF-8", "0", b"\xff\xfe not utf-8 \xc3", "ÿþ not utf-8 Ã", "utf-8"),
        # A byte above 0x7F is no GSM septet.
        ("GSM", "0", b"ok \xe9", "ok é", "gsm"),
    ],
)
def test_text_that_does_not_decode_as_declared_is_kept_flagged(
    channel: Channel, label: str, coding: str, body: bytes, guess: str, fault: str
) -> None:
    request = mo_request(
        "bad-1",
        SENDER,
        body,
        coding=coding,
        charset=label,
        content_type=f'text/plain; charset="{label}"',
    )
    response = request.send(Client(), inbound_url(channel))
    assert response.status_code == 200, response.content  # acknowledged like any message
    message = only_message(channel)
    assert text_of(message) == guess
    assert message.meta["encoding_fault"] == fault  # coded: the declared charset
    assert raw_of(message) == body  # the bytes as received, sealed
    assert body not in bytes(InboundMessage.objects.values_list("raw", flat=True)[0])


@pytest.mark.django_db(transaction=True)
def test_staff_see_that_the_text_is_a_best_guess(
    channel: Channel, project: Project, client_as: Callable[[str], Client]
) -> None:
    mo_request(
        "bad-2",
        SENDER,
        b"Pa gen dlo nan kan an",
        coding="2",
        charset="UCS-2",
        content_type='text/plain; charset="UCS-2"',
    ).send(Client(), inbound_url(channel))
    mo_request("good-1", "+50937001133", b"Dlo a koupe").send(Client(), inbound_url(channel))
    flagged = Feedback.objects.get(inbound_message__provider_message_id="bad-2")
    fine = Feedback.objects.get(inbound_message__provider_message_id="good-1")
    officer = client_as("officer")
    page = officer.get(reverse("triage:detail", args=[project.slug, flagged.pk])).content.decode()
    assert NOTE in " ".join(page.split())
    page = officer.get(reverse("triage:detail", args=[project.slug, fine.pk])).content.decode()
    assert NOTE not in " ".join(page.split())


@pytest.mark.django_db(transaction=True)
def test_a_nul_in_the_text_is_stored_and_processed_to_the_inbox(
    channel: Channel, project: Project, client_as: Callable[[str], Client]
) -> None:
    """Once acknowledged, then lost in processing on PostgreSQL (a NUL in a text column);
    now the text is sealed everywhere it goes, and the message reaches the inbox."""
    text = "Dlo\x00 a koupe nan kan an\x00"
    response = mo_request("nul-1", SENDER, text.encode()).send(Client(), inbound_url(channel))
    assert response.status_code == 200
    message = only_message(channel)
    assert message.state == InboundMessage.State.PROCESSED
    feedback = Feedback.objects.get(inbound_message=message)
    assert open_for_system(feedback, "content", purpose="test") == text
    inbox = client_as("officer").get(reverse("triage:inbox", args=[project.slug]))
    assert inbox.status_code == 200
    assert feedback.reference in inbox.content.decode()
