"""Property-based fuzzing of every channel adapter and of the shared webhook views.

Whatever reaches an inbound or status URL — any body, content type, header, query string
or source address, and payloads shaped like the provider's but wrong in their details —

- an adapter's ``verify``, ``parse``, ``parse_status`` and ``acknowledge`` raise nothing
  but ``Rejected``, with a 4xx status and a reason, and what they return keeps the
  contract (ids that fit the database, known states);
- the shared views answer below 500, and every 4xx carries a JSON reason; and never
  503 either (no fault is injected here), so nothing an adapter let through — a NUL, a
  lone surrogate, text in a charset other than the one declared — failed to be stored.

Content types come with every kind of parameter: charsets that are text encodings, that
are not (rot13, zlib, base64, hex), that Python lacks (UCS-2, GSM) or does not know,
quoted or not, and a Content-Encoding now and then. Requests are built as the WSGI
application builds them (``lib.handlers.TextCharsetRequest``): Django's own request
class fails on a non-text charset before any code of ours runs.

Requests go to the adapters directly (so parsing is exercised without the proof of
origin) and through the views with a valid proof where the adapter has one (so the
storing path sees what parsing lets through). Every kind in the registry is fuzzed; the
provider-shaped strategies cover the kinds whose shapes are known here, the others get
the generic ones.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC
from typing import Any
from urllib.parse import urlencode

import django.test.client
import pytest
from django.core.exceptions import TooManyFieldsSent
from django.http import HttpRequest
from django.test import Client, RequestFactory
from hypothesis import HealthCheck, Phase, event, given, reject, settings
from hypothesis import strategies as st

from responsemap.intake.channels.actions import do_create_channel
from responsemap.intake.channels.base import ChannelType, Inbound, Rejected, StatusReport
from responsemap.intake.channels.models import Channel
from responsemap.intake.channels.registry import adapter_for, available_kinds
from responsemap.intake.channels.telegram import adapter as telegram
from responsemap.intake.channels.tests.conformance import inbound_url, status_url
from responsemap.intake.channels.tests.test_conformance import case_for
from responsemap.intake.channels.twilio import adapter as twilio
from responsemap.intake.channels.webhook import adapter as webhook
from responsemap.intake.channels.whatsapp import adapter as whatsapp
from responsemap.intake.contacts.actions import do_set_consent_notice
from responsemap.intake.messages.models import InboundMessage
from responsemap.lib.handlers import TextCharsetRequest
from responsemap.projects.models import Project
from responsemap.protection.present import open_for_system

FUZZ = settings(
    max_examples=150,
    deadline=None,
    database=None,  # no example database written into the working tree
    suppress_health_check=[HealthCheck.too_slow],
)
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
STATES = {"sent", "delivered", "failed"}


# --- Requests ----------------------------------------------------------------------


@dataclass(frozen=True)
class Fuzzed:
    method: str
    body: bytes
    content_type: str
    query: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    remote_addr: str = "127.0.0.1"

    def target(self, path: str) -> str:
        return f"{path}?{self.query}" if self.query else path

    def build(self, path: str) -> HttpRequest:
        with _django_refuses_to_build_it():
            return RequestFactory().generic(
                self.method,
                self.target(path),
                self.body,
                content_type=self.content_type,
                headers=self.headers,
                REMOTE_ADDR=self.remote_addr,
            )

    def send(self, client: Client, path: str) -> Any:
        with _django_refuses_to_build_it():
            return client.generic(
                self.method,
                self.target(path),
                self.body,
                content_type=self.content_type,
                headers=self.headers,
                REMOTE_ADDR=self.remote_addr,
            )


@pytest.fixture(autouse=True)
def _requests_as_the_app_builds_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """RequestFactory and the test client build a plain WSGIRequest, which fails on a
    non-text charset; the WSGI application builds ``TextCharsetRequest``."""
    monkeypatch.setattr(django.test.client, "WSGIRequest", TextCharsetRequest)


@contextmanager
def _django_refuses_to_build_it() -> Iterator[None]:
    """Skip requests Django itself fails to construct, before any code of ours runs.

    A Content-Type with a charset makes ``WSGIRequest.__init__`` set ``encoding``, whose
    setter probes ``hasattr(self, "GET")`` and so parses the query string: more than
    DATA_UPLOAD_MAX_NUMBER_FIELDS fields raise TooManyFieldsSent from the constructor,
    outside Django's exception handling (upstream behaviour, reported separately). Inside
    a view the same exception becomes a 400 and is still caught by these properties.
    """
    try:
        yield
    except TooManyFieldsSent:
        reject()


# --- Strategies: anything -----------------------------------------------------------

printable = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
# What a WSGI server hands Django as a header value: latin-1, no control characters.
header_text = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=80
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=30)
)
junk = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)


def mostly(
    good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any] = junk
) -> st.SearchStrategy[Any]:
    """``good`` about seven times in eight, else ``bad`` — so that requests get deep
    into the parsers often, and are wrong somewhere on the way."""
    return st.integers(1, 8).flatmap(lambda n: bad if n == 1 else good)


MISSING = object()


def _usually(value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A required field: there and well-formed about seven times in eight."""
    return st.integers(1, 16).flatmap(
        lambda n: st.just(MISSING) if n == 1 else junk if n == 2 else value
    )


def shape(
    required: dict[str, st.SearchStrategy[Any]] | None = None,
    **optional: st.SearchStrategy[Any],
) -> st.SearchStrategy[dict[str, Any]]:
    """An object whose ``required`` fields are usually there and well-formed, with any
    subset of the ``optional`` ones."""
    present = {name: _usually(value) for name, value in (required or {}).items()}
    return st.fixed_dictionaries(present, optional={k: mostly(v) for k, v in optional.items()}).map(
        lambda item: {k: v for k, v in item.items() if v is not MISSING}
    )


CHARSETS = [
    "utf-8", "UTF-8", '"UTF-8"', "latin-1", "ISO-8859-1", "utf-16", '"UTF-16BE"', "UCS-2",
    "GSM", "cp1252", "ascii", "utf-7", "idna", "punycode", "unicode_escape", "rot13",
    "zlib", "base64", "hex", "bz2", "uu", "quopri", "undefined", "no-such-codec", "",
    '"', "utf\x00-8",
]  # fmt: skip
BASE_TYPES = [JSON, FORM, "text/plain", "application/octet-stream", "multipart/form-data"]
charset_params = st.builds(
    lambda base, charset, extra: f"{base}; charset={charset}{extra}",
    st.sampled_from(BASE_TYPES),
    st.sampled_from(CHARSETS) | st.text(printable, max_size=12),
    st.sampled_from(["", "; boundary=xyz", "; charset=utf-8", "; q=0.5", ";;"]),
)
content_types = (
    st.sampled_from(
        [
            JSON,
            f"{JSON}; charset=utf-8",
            FORM,
            f"{FORM}; charset=utf-8",
            f"{FORM}; charset=latin-1",
            f"{FORM}; charset=no-such-codec",
            "multipart/form-data; boundary=xyz",
            "multipart/form-data",
            "text/plain",
            "text/xml",
            "",
        ]
    )
    | charset_params
    | st.text(printable, max_size=40)
)

hostile_bodies = st.one_of(
    st.binary(max_size=600),
    st.integers(50, 40_000).map(lambda n: b"[" * n),  # deep nesting
    st.integers(50, 20_000).map(lambda n: b'{"a":' * n),
    st.integers(4_000, 9_000).map(lambda n: b'{"update_id": ' + b"7" * n + b"}"),  # huge number
    st.sampled_from(
        [
            b"",
            b"null",
            b"[]",
            b'"\\ud800"',
            b'{"object": "whatsapp_business_account", "entry": [{"changes": [{"value": 0}]}]}',
            b'{"messages": [{"id": "\\u0000", "from": "\\ud83d", "text": "\\udfff"}]}',
            b"\xff\xfe{\x00}",
            b"a=%ff%fe&b=%zz&&=&c",
            b"From=%00%00&MessageSid=%00",
            b"&".join([b"a=1"] * 1_001),  # more fields than Django parses
            b"[" * 5_000,  # deeper than the interpreter's recursion limit
            b'{"a":' * 3_000,
            b'{"messages": [{"id": ' + b"9" * 5_000 + b"}]}",  # beyond int() digit limit
        ]
    ),
    st.from_regex(r"\A[A-Za-z0-9%=&+;._-]{0,200}\Z").map(str.encode),
    junk.map(lambda value: json.dumps(value).encode()),
)

plain_queries = st.one_of(
    st.just(""),
    st.dictionaries(
        st.sampled_from(["token", "outbound", "hub.mode", "hub.verify_token", "hub.challenge"])
        | st.text(max_size=8),
        st.text(max_size=30) | st.uuids().map(str),
        max_size=4,
    ).map(urlencode),
)
queries = st.one_of(
    plain_queries,
    st.text(
        st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="#"), max_size=60
    ),
    st.just("&".join(["x=1"] * 1_001)),  # more fields than Django parses
)

CONTENT_ENCODINGS = ["gzip", "deflate", "br", "identity", "GZIP", "x-custom", ""]
HEADER_NAMES = [
    "X-Signature",
    "X-Twilio-Signature",
    "X-Telegram-Bot-Api-Secret-Token",
    "X-Hub-Signature-256",
    "Authorization",
    "X-Kannel-From",
    "X-Forwarded-For",
    "Content-Encoding",
]
headers = st.dictionaries(
    st.sampled_from(HEADER_NAMES),
    header_text | st.sampled_from(CONTENT_ENCODINGS),
    max_size=3,
)
remote_addrs = st.sampled_from(["127.0.0.1", "196.201.214.200", "::1", "::ffff:10.0.0.1", "", "x"])
methods = st.sampled_from(["POST"] * 6 + ["GET", "PUT", "DELETE"])


# --- Strategies: shaped like each provider ------------------------------------------

# Text with NULs and lone surrogates more often than chance would give them.
texts = st.text(max_size=200) | st.lists(
    st.sampled_from(["Dlo", " ", "\x00", "\ud800", "\udfff", "é", "😀", "\x1b", "\r\n"]),
    max_size=12,
).map("".join)
phones = mostly(
    st.from_regex(r"\A\+?[0-9]{6,15}\Z"),
    st.sampled_from(["whatsapp:+50937001122", "client:x", "telegram:1", "MYBRAND", " ", ""])
    | st.text(max_size=80),
)
ids = mostly(st.from_regex(r"\A[A-Za-z0-9_.=-]{1,40}\Z"), st.text(max_size=140))


def form(
    required: dict[str, st.SearchStrategy[str]], **optional: st.SearchStrategy[str]
) -> st.SearchStrategy[bytes]:
    """A form body shaped by ``shape``, plus a few stray and repeated fields."""
    strings = {k: mostly(v, st.text(max_size=20)) for k, v in required.items()}
    return st.tuples(
        shape(strings, **{k: mostly(v, st.text(max_size=20)) for k, v in optional.items()}),
        st.lists(st.tuples(st.sampled_from([*required, "x"]), st.text(max_size=20)), max_size=2),
    ).map(lambda pair: urlencode([*pair[0].items(), *pair[1]], errors="surrogatepass").encode())


twilio_statuses = st.sampled_from(
    ["accepted", "queued", "sending", "sent", "delivered", "read", "undelivered", "failed",
     "canceled", "received", "partially_delivered", "DELIVERED"]
)  # fmt: skip
twilio_form = form(
    {"MessageSid": ids, "From": phones, "Body": texts, "MessageStatus": twilio_statuses},
    SmsSid=ids,
    AccountSid=ids,
    To=phones,
    NumMedia=st.integers(-3, 20).map(str),
    MediaContentType0=st.sampled_from(["image/jpeg", "audio/ogg", "video/3gpp", ""]),
    SmsStatus=twilio_statuses,
    ErrorCode=st.integers(0, 99_999).map(str),
)

at_form = form(
    {
        "id": ids,
        "from": phones,
        "text": texts,
        "status": st.sampled_from(
            ["Success", "Sent", "Submitted", "Buffered", "Rejected", "Failed", "AbsentSubscriber"]
        ),
    },
    to=phones,
    date=st.datetimes().map(str)
    | st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    linkId=ids,
    networkCode=st.integers(0, 99_999).map(str),
    failureReason=st.sampled_from(["InsufficientCredit", "UserInBlacklist", ""]),
    phoneNumber=phones,
    retryCount=st.integers(0, 10).map(str),
)

telegram_ids = mostly(st.integers(-(2**52), 2**52), st.integers(-(2**60), 2**60))
telegram_message = shape(
    {
        "message_id": telegram_ids,
        "chat": shape({"id": telegram_ids, "type": mostly(st.just("private"), st.just("group"))}),
        "text": texts,
    },
    date=st.integers(-(2**40), 2**40),
    caption=texts,
    photo=st.lists(shape(file_id=st.text(max_size=10)), max_size=2),
    sticker=junk,
    **{"from": shape({"id": telegram_ids}, is_bot=st.booleans())},
)
telegram_update = shape(
    {"update_id": telegram_ids, "message": telegram_message},
    edited_message=telegram_message,
    channel_post=telegram_message,
    callback_query=junk,
).map(lambda update: json.dumps(update).encode())

wamids = mostly(st.from_regex(r"\Awamid\.[A-Za-z0-9+/=]{10,60}\Z"), ids)
whatsapp_types = st.sampled_from(
    ["text", "text", "text", "image", "video", "document", "audio", "sticker", "location",
     "contacts", "interactive", "button", "reaction", "system", "unsupported"]
)  # fmt: skip
whatsapp_message = shape(
    {
        "id": wamids,
        "from": mostly(st.from_regex(r"\A[0-9]{6,20}\Z"), phones),
        "type": whatsapp_types,
        "text": shape({"body": texts}),
    },
    timestamp=st.integers(-(2**40), 2**40).map(str) | st.integers(),
    image=shape(caption=texts, id=st.text(max_size=8)),
    document=shape(caption=texts),
    button=shape(text=texts),
    interactive=shape(
        type=st.sampled_from(["button_reply", "list_reply"]),
        button_reply=shape(title=texts),
        list_reply=shape(title=texts),
    ),
    location=shape(latitude=st.floats(), longitude=st.floats()),
)
whatsapp_status = shape(
    {"id": wamids, "status": st.sampled_from(["sent", "delivered", "read", "failed", "deleted"])},
    errors=st.lists(shape({"code": st.integers()}, title=texts), max_size=2),
    biz_opaque_callback_data=st.uuids().map(str) | st.text(max_size=40),
    recipient_id=phones,
)
whatsapp_value = shape(
    {
        "metadata": shape({"phone_number_id": mostly(st.just("106540352242922"), st.just("1"))}),
        "messages": st.lists(mostly(whatsapp_message), min_size=1, max_size=3),
    },
    statuses=st.lists(mostly(whatsapp_status), max_size=3),
)
whatsapp_change = shape({"field": st.just("messages"), "value": whatsapp_value})
whatsapp_event = shape(
    {
        "object": st.just("whatsapp_business_account"),
        "entry": st.lists(
            shape(
                {"changes": st.lists(mostly(whatsapp_change), min_size=1, max_size=2)},
                id=st.text(max_size=8),
            ),
            min_size=1,
            max_size=2,
        ),
    }
).map(lambda event: json.dumps(event).encode())

webhook_item = shape(
    {"id": ids, "from": phones, "text": texts},
    sent_at=st.datetimes(timezones=st.none() | st.timezones()).map(str),
    status=st.sampled_from(["sent", "delivered", "failed"]),
)
webhook_payload = st.one_of(
    shape(messages=st.lists(mostly(webhook_item), max_size=3)),
    shape(statuses=st.lists(mostly(webhook_item), max_size=3)),
    webhook_item,
).map(lambda payload: json.dumps(payload).encode())

# Shaped bodies and the content type the provider uses.
SHAPES: dict[str, st.SearchStrategy[tuple[bytes, str]]] = {
    "twilio": st.tuples(twilio_form, st.just(FORM)),
    "africastalking": st.tuples(at_form, st.just(FORM)),
    "telegram": st.tuples(telegram_update, st.just(JSON)),
    "whatsapp": st.tuples(whatsapp_event, st.just(JSON)),
    "webhook": st.tuples(webhook_payload, st.just(JSON)),
}


def requests_for(kind: str) -> st.SearchStrategy[Fuzzed]:
    """Mostly what the provider sends with details wrong, else anything at all."""
    anything = st.builds(
        Fuzzed, methods, hostile_bodies, content_types, queries, headers, remote_addrs
    )
    shaped = SHAPES.get(kind)
    if shaped is None:
        return anything
    provider = st.builds(
        lambda body_and_type, query, given_headers, remote_addr: Fuzzed(
            "POST", body_and_type[0], body_and_type[1], query, given_headers, remote_addr
        ),
        shaped,
        plain_queries,
        headers,
        remote_addrs,
    )
    wrong_envelope = st.builds(
        Fuzzed,
        methods,
        shaped.map(lambda pair: pair[0]),
        content_types,
        queries,
        headers,
        remote_addrs,
    )
    return st.sampled_from([provider, provider, provider, wrong_envelope, anything]).flatmap(
        lambda strategy: strategy
    )


# --- Proofs of origin, for requests that should reach parsing through the view ------


def _sign_twilio(request: Fuzzed, path: str, secrets: dict[str, str]) -> Fuzzed:
    probe = request.build(path)
    try:
        params = twilio.signed_params(probe)
    except Rejected:
        return request  # Django can't read the form; the view must still answer 4xx
    signature = twilio.compute_signature(secrets["auth_token"], twilio.public_url(probe), params)
    return replace(request, headers={**request.headers, twilio.SIGNATURE_HEADER: signature})


def _token_in_query(request: Fuzzed, path: str, secrets: dict[str, str]) -> Fuzzed:
    token = urlencode({"token": secrets["callback_token"]})
    return replace(request, query=f"{request.query}&{token}" if request.query else token)


def _telegram_header(request: Fuzzed, path: str, secrets: dict[str, str]) -> Fuzzed:
    header = {telegram.SECRET_HEADER: secrets["secret_token"]}
    return replace(request, headers={**request.headers, **header})


def _sign_whatsapp(request: Fuzzed, path: str, secrets: dict[str, str]) -> Fuzzed:
    if request.method == "GET":  # the subscription handshake, with the right token
        handshake = urlencode(
            {"hub.mode": "subscribe", "hub.verify_token": secrets["verify_token"]}
        )
        return replace(
            request, query=f"{request.query}&{handshake}" if request.query else handshake
        )
    signature = whatsapp.sign(secrets["app_secret"], request.body)
    return replace(request, headers={**request.headers, whatsapp.SIGNATURE_HEADER: signature})


def _sign_webhook(request: Fuzzed, path: str, secrets: dict[str, str]) -> Fuzzed:
    signature = webhook.sign(secrets["secret"], request.body)
    return replace(request, headers={**request.headers, webhook.SIGNATURE_HEADER: signature})


def _kannel_basic_auth(request: Fuzzed, path: str, secrets: dict[str, str]) -> Fuzzed:
    credentials = base64.b64encode(f"kannel:{secrets['secret']}".encode()).decode()
    return replace(request, headers={**request.headers, "Authorization": f"Basic {credentials}"})


SIGNERS: dict[str, Callable[[Fuzzed, str, dict[str, str]], Fuzzed]] = {
    "twilio": _sign_twilio,
    "africastalking": _token_in_query,
    "telegram": _telegram_header,
    "whatsapp": _sign_whatsapp,
    "webhook": _sign_webhook,
    "kannel": _kannel_basic_auth,
}


# --- Channels -----------------------------------------------------------------------


def _case_or_none(kind: str) -> Any:
    try:
        return case_for(kind)
    except (ImportError, StopIteration):
        return None


# Adapters this fuzzing has found crashing, with the reason, expected to fail here until
# fixed. Empty: every finding so far is fixed.
KNOWN_FINDINGS: dict[str, str] = {}


def _kinds() -> list[Any]:
    return [
        pytest.param(name, marks=pytest.mark.xfail(reason=KNOWN_FINDINGS[name], strict=False))
        if name in KNOWN_FINDINGS
        else name
        for name in available_kinds()
    ]


@pytest.fixture(params=_kinds())
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def channel(project: Project, kind: str) -> Channel:
    do_set_consent_notice(project_id=project.pk, language="fr", text="Notis: voye STOP.")
    case = _case_or_none(kind)
    return do_create_channel(
        project_id=project.pk,
        kind=kind,
        name=f"fuzz {kind}",
        address=getattr(case, "address", ""),
        config=dict(getattr(case, "config", {})),
        secrets=dict(getattr(case, "secrets", {})),
    )


# --- The properties -----------------------------------------------------------------


def refused_or(call: Callable[..., Any], *args: Any) -> Any:
    """What ``call(*args)`` returns, or None if it refused properly (4xx and a reason)."""
    try:
        return call(*args)
    except Rejected as exc:
        refusal = exc
    assert 400 <= refusal.status < 500, refusal.status
    assert isinstance(refusal.reason, str), refusal.status
    assert refusal.reason.strip(), refusal.status
    return None


def _verified(
    adapter: ChannelType, request: HttpRequest, channel: Channel, secrets: dict[str, str]
) -> bool:
    adapter.verify(request, channel, secrets)
    return True


def _fits_the_database(provider_id: str) -> bool:
    return 0 < len(provider_id) <= 128 and "\x00" not in provider_id


def check_messages(messages: list[Inbound]) -> None:
    assert isinstance(messages, list)
    for message in messages:
        assert isinstance(message, Inbound)
        assert _fits_the_database(message.provider_message_id), message.provider_message_id
        assert isinstance(message.sender, str)
        assert message.sender.strip()
        assert "\x00" not in message.sender
        assert isinstance(message.text, str)
        if message.sent_at is not None:
            assert message.sent_at.tzinfo is not None
            message.sent_at.astimezone(UTC)  # what the database layer does; may overflow
        json.dumps(message.meta)  # stored as JSON


def check_reports(reports: list[StatusReport]) -> None:
    assert isinstance(reports, list)
    for report in reports:
        assert isinstance(report, StatusReport)
        assert report.state in STATES
        assert _fits_the_database(report.provider_message_id) or report.outbound_id
        if report.outbound_id:
            uuid.UUID(report.outbound_id)  # the view filters a UUID primary key with it


def fuzz_settings(kind: str) -> settings:
    """Known-failing kinds skip shrinking: it is slow, and their finding is written up."""
    if kind in KNOWN_FINDINGS:
        return settings(FUZZ, phases=[Phase.explicit, Phase.generate])
    return FUZZ


@pytest.mark.django_db(transaction=False)
def test_adapters_raise_nothing_but_rejected(kind: str, channel: Channel) -> None:
    adapter = adapter_for(kind)
    secrets = dict(getattr(_case_or_none(kind), "secrets", {}))

    @fuzz_settings(kind)
    @given(data=st.data())
    def holds(data: st.DataObject) -> None:
        fuzzed = data.draw(requests_for(kind))
        if data.draw(st.booleans()) and kind in SIGNERS:
            fuzzed = SIGNERS[kind](fuzzed, inbound_url(channel), secrets)
        request = fuzzed.build(inbound_url(channel))
        authentic = refused_or(_verified, adapter, request, channel, secrets)
        messages = refused_or(adapter.parse, request, channel)
        if messages is not None:
            check_messages(messages)
            if authentic:
                response = refused_or(adapter.acknowledge, request, channel, len(messages))
                assert response is None or response.status_code < 500
        status_request = fuzzed.build(status_url(channel))
        reports = refused_or(adapter.parse_status, status_request, channel)
        if reports is not None:
            check_reports(reports)

    holds()


@pytest.mark.django_db(transaction=False)
def test_views_answer_below_500_with_a_reason(kind: str, channel: Channel) -> None:
    secrets = dict(getattr(_case_or_none(kind), "secrets", {}))

    @fuzz_settings(kind)
    @given(data=st.data())
    def holds(data: st.DataObject) -> None:
        fuzzed = data.draw(requests_for(kind))
        signed = kind in SIGNERS and data.draw(mostly(st.just(True), st.just(False)))
        for path in (inbound_url(channel), status_url(channel)):
            request = SIGNERS[kind](fuzzed, path, secrets) if signed else fuzzed
            response = request.send(Client(), path)
            event(f"{path.rsplit('/', 1)[-1]}: {response.status_code}")
            assert response.status_code < 500, (response.status_code, response.content[:200])
            assert response.status_code != 503, response.content[:200]
            if response.status_code >= 400:
                assert response.json()["error"], response.content[:200]

    holds()


@pytest.mark.django_db(transaction=False)
def test_what_is_acknowledged_was_stored_and_opens(kind: str, channel: Channel) -> None:
    """Signed requests shaped like the provider's, with NULs, lone surrogates and bytes
    in other charsets in their text: each is refused with a 4xx or stored so that it
    opens again — never a 503 (the database refused what the adapter let through)."""
    secrets = dict(getattr(_case_or_none(kind), "secrets", {}))
    if kind not in SIGNERS:
        pytest.skip(f"no signer for {kind}")

    @fuzz_settings(kind)
    @given(data=st.data())
    def holds(data: st.DataObject) -> None:
        fuzzed = SIGNERS[kind](data.draw(requests_for(kind)), inbound_url(channel), secrets)
        before = set(InboundMessage.objects.filter(channel=channel).values_list("pk", flat=True))
        response = fuzzed.send(Client(), inbound_url(channel))
        assert response.status_code < 500, (response.status_code, response.content[:200])
        for message in InboundMessage.objects.filter(channel=channel).exclude(pk__in=before):
            text = open_for_system(message, "text", purpose="test")
            assert text is None or isinstance(text, str)
            json.dumps(message.meta)

    holds()
