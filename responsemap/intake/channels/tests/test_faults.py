"""Faults on the inbound path, for every channel kind: what a gateway gets for what.

- A fault on our side is a 503 with Retry-After, never a 4xx (which gateways don't
  retry) nor a 500: every way a project's keys can fail to be read, with the channel
  loaded afresh (its secrets don't open) or kept from an earlier request (the message
  can't be sealed). The operator gets one log line with no text, number or secret; once
  the keys are back the gateway's retry is stored: nothing is lost.
- A project whose key was destroyed takes nothing more: 410, as for a closed project.
- A body in a charset or content encoding we don't know is refused with 415.
- What the database can't store in a clear column (a NUL, a lone surrogate in an id or a
  sender) is refused before the answer; in the text (sealed: bytes) it is kept.
- The technical error page (DEBUG) of a webhook shows no secret, variable or query.

Requests go through the real WSGI application (``lib.handlers``), as a gateway's would:
Django's test client builds its requests with a plain WSGIRequest, which fails on a
non-text charset before any of our code runs.
"""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client, override_settings

from responsemap.intake.channels.actions import do_create_channel
from responsemap.intake.channels.models import Channel
from responsemap.intake.channels.queries import forget_channels
from responsemap.intake.channels.tests.conformance import (
    Case,
    WebhookRequest,
    inbound_url,
    status_url,
)
from responsemap.intake.channels.tests.test_conformance import available_cases, case_for
from responsemap.intake.messages.models import InboundMessage
from responsemap.lib.handlers import ByPath, application
from responsemap.projects.models import Project
from responsemap.protection.keyring import crypto_shred_project
from responsemap.protection.present import open_for_system
from responsemap.protection.tests.faults import KEY_FAULTS, broken_keys

TEXT = "Dlo a koupe depi 3 jou"
# For the error page test: kept away from the code the page quotes around each frame.
PRIVATE = "Mesaj prive: " + TEXT


@pytest.fixture(params=available_cases())
def case(request: pytest.FixtureRequest) -> Case:
    return case_for(request.param)


@pytest.fixture
def channel(project: Project, case: Case) -> Channel:
    forget_channels()
    return do_create_channel(
        project_id=project.pk,
        kind=case.kind,
        name=f"{case.kind} faults",
        address=case.address,
        config=dict(case.config),
        secrets=dict(case.secrets),
    )


@pytest.fixture
def app() -> Iterator[ByPath]:
    # As Django's test client does: a request must not close the test's connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


class Answer:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status_code, self.headers, self.content = status, headers, body

    def json(self) -> Any:
        return json.loads(self.content)


def through_app(app: ByPath, request: WebhookRequest, path: str) -> Answer:
    """``request`` as a gateway sends it, through the WSGI application."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": request.method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": urlencode(request.query),
        "CONTENT_TYPE": request.content_type,
        "CONTENT_LENGTH": str(len(request.body)),
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(request.body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
    }
    for name, value in request.headers.items():
        environ[f"HTTP_{name.upper().replace('-', '_')}"] = value
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        answer["status"], answer["headers"] = int(status.split()[0]), dict(headers)

    body = b"".join(app(environ, start_response))
    return Answer(answer["status"], answer["headers"], body)


def stored(channel: Channel) -> list[InboundMessage]:
    return list(InboundMessage.objects.filter(channel=channel))


def _secrets_of(case: Case) -> list[str]:
    return [value for name, value in case.secrets.items() if name != "username"]


# --- Keys -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("fault", KEY_FAULTS)
@pytest.mark.parametrize("cached", [False, True], ids=["channel-loaded-afresh", "channel-kept"])
def test_a_key_fault_is_503_retry_after_and_the_retry_is_stored(
    case: Case,
    channel: Channel,
    fault: str,
    cached: bool,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = Client()
    url = inbound_url(channel)
    if cached:  # an earlier message loaded the channel (and its secrets) in this process
        warm = case.inbound(channel, "warm-1", case.sender, "first").send(client, url)
        assert warm.status_code == case.expected_status
    before = len(stored(channel))
    request = case.inbound(channel, "fault-1", case.sender, TEXT)
    with broken_keys(fault, channel.project_id, monkeypatch), caplog.at_level(logging.INFO):
        response = request.send(client, url)
        assert response.status_code == 503, response.content
        assert response["Retry-After"] == "60"
        assert response.json()["error"]
        assert len(stored(channel)) == before
    # One line for the operator, carrying no text, number or secret.
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("responsemap.")]
    assert len(lines) == 1, lines
    assert "keys unavailable" in lines[0]
    for private in [TEXT, case.sender.lstrip("+"), *_secrets_of(case)]:
        assert private not in lines[0]
    # The gateway retries once the operator has fixed the keys: stored, nothing lost.
    retry = case.inbound(channel, "fault-1", case.sender, TEXT).send(client, url)
    assert retry.status_code == case.expected_status, retry.content
    after = stored(channel)
    assert len(after) == before + 1
    texts = [open_for_system(message, "text", purpose="test") for message in after]
    assert TEXT in texts


@pytest.mark.django_db
@pytest.mark.parametrize("fault", ["key file missing", "wrong master key"])
def test_a_key_fault_on_a_delivery_report_is_503(
    case: Case, channel: Channel, fault: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not case.delivery_reports:
        pytest.skip(f"{case.kind} sends no delivery reports")
    with broken_keys(fault, channel.project_id, monkeypatch):
        response = case.status(channel, "provider-1", "delivered").send(
            Client(), status_url(channel)
        )
    assert response.status_code == 503, response.content
    assert response["Retry-After"] == "60"


@pytest.mark.django_db
@pytest.mark.parametrize("cached", [False, True], ids=["channel-loaded-afresh", "channel-kept"])
def test_a_destroyed_projects_channel_is_gone_410(
    case: Case, channel: Channel, cached: bool
) -> None:
    """Not a fault: the key was destroyed on purpose, the project is closing. Like a
    closed project's channel, 410 (the gateway stops retrying); nothing is stored."""
    client = Client()
    url = inbound_url(channel)
    if cached:
        warm = case.inbound(channel, "warm-1", case.sender, "first").send(client, url)
        assert warm.status_code == case.expected_status
    before = len(stored(channel))
    crypto_shred_project(channel.project_id)
    response = case.inbound(channel, "late-1", case.sender, TEXT).send(client, url)
    assert response.status_code == 410, response.content
    assert "closed" in response.json()["error"]
    assert len(stored(channel)) == before


# --- Charsets and content encodings ---------------------------------------------------

REFUSED_CHARSETS = ["rot13", "zlib", "base64", "hex", "x-klingon", "undefined", "utf-7"]


def _with_content_type(request: WebhookRequest, content_type: str) -> WebhookRequest:
    return WebhookRequest(
        request.method, dict(request.query), request.body, content_type, dict(request.headers)
    )


@pytest.mark.django_db
@pytest.mark.parametrize("charset", REFUSED_CHARSETS)
def test_an_unknown_charset_is_415_never_500(
    app: ByPath, case: Case, channel: Channel, charset: str
) -> None:
    request = case.inbound(channel, "cs-1", case.sender, TEXT)
    base = request.content_type.split(";")[0]
    answer = through_app(
        app, _with_content_type(request, f"{base}; charset={charset}"), inbound_url(channel)
    )
    assert answer.status_code == 415, answer.content
    assert "charset" in answer.json()["error"]
    assert not stored(channel)


@pytest.mark.django_db
def test_json_and_forms_take_utf8_only(app: ByPath, case: Case, channel: Channel) -> None:
    if case.kind == "kannel":
        pytest.skip("Kannel's body is the text, in the charset it names (test_adapter.py)")
    request = case.inbound(channel, "cs-2", case.sender, TEXT)
    base = request.content_type.split(";")[0]
    for charset in ("utf-16", "iso-8859-1"):
        answer = through_app(
            app, _with_content_type(request, f"{base}; charset={charset}"), inbound_url(channel)
        )
        assert answer.status_code == 415, answer.content
    answer = through_app(
        app, _with_content_type(request, f"{base}; charset=UTF-8"), inbound_url(channel)
    )
    assert answer.status_code == case.expected_status, answer.content


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "x-unknown"])
def test_a_content_encoding_is_415(
    app: ByPath, case: Case, channel: Channel, encoding: str
) -> None:
    request = case.inbound(channel, "ce-1", case.sender, TEXT)
    request.headers = {**request.headers, "Content-Encoding": encoding}
    answer = through_app(app, request, inbound_url(channel))
    assert answer.status_code == 415, answer.content
    assert "Content-Encoding" in answer.json()["error"]
    assert not stored(channel)


@pytest.mark.django_db
def test_identity_encoding_is_fine(app: ByPath, case: Case, channel: Channel) -> None:
    request = case.inbound(channel, "ce-2", case.sender, TEXT)
    request.headers = {**request.headers, "Content-Encoding": "identity"}
    assert through_app(app, request, inbound_url(channel)).status_code == case.expected_status


# --- What the database can't store -----------------------------------------------------


@pytest.mark.django_db
def test_a_nul_in_the_text_is_kept_or_dropped_never_a_fault(case: Case, channel: Channel) -> None:
    """The text is sealed (bytes): Kannel and the JSON webhook keep a NUL; the adapters
    that strip control characters from text (no phone can type them) drop it."""
    response = case.inbound(channel, "nul-1", case.sender, "Dlo\x00 koupe").send(
        Client(), inbound_url(channel)
    )
    assert response.status_code == case.expected_status, response.content
    text = open_for_system(stored(channel)[0], "text", purpose="test")
    assert text in ("Dlo\x00 koupe", "Dlo koupe")


@pytest.mark.django_db
@pytest.mark.parametrize("sender", ["+5093700\x001122", "+509370\ud8001122"])
def test_a_sender_the_database_cant_hold_is_refused_before_the_answer(
    case: Case, channel: Channel, sender: str
) -> None:
    if case.kind in ("telegram", "whatsapp"):
        pytest.skip(f"{case.kind} senders are numeric ids, checked by the adapter's pattern")
    if case.kind == "kannel":
        pytest.skip("the sender is a header: no NUL or surrogate reaches it over HTTP")
    if "\ud800" in sender and case.kind != "webhook":
        pytest.skip("a form's percent-decoded UTF-8 never holds a lone surrogate")
    response = case.inbound(channel, "nul-2", sender, TEXT).send(Client(), inbound_url(channel))
    assert 400 <= response.status_code < 500, response.content
    assert response.json()["error"]
    assert not stored(channel)


# --- The technical error page -----------------------------------------------------------


@pytest.mark.django_db
def test_a_crash_in_an_adapter_shows_no_secret_even_with_debug_on(
    case: Case, channel: Channel, monkeypatch: pytest.MonkeyPatch
) -> None:
    adapter_class = type(
        __import__("responsemap.intake.channels.registry", fromlist=["adapter_for"]).adapter_for(
            case.kind
        )
    )
    original = adapter_class.parse

    def crash(self: Any, request: Any, channel: Channel) -> Any:
        secret_token = next(iter(case.secrets.values()))  # a local named like a secret
        text_of_message = request.body  # and one that is not
        assert secret_token
        assert text_of_message is not None
        original(self, request, channel)
        raise RuntimeError("forced fault")

    monkeypatch.setattr(adapter_class, "parse", crash)
    # Secrets in the query too (Africa's Talking's ?token=, Kannel's ?secret=).
    request = case.inbound(channel, "boom-1", case.sender, PRIVATE)
    client = Client(raise_request_exception=False)
    with override_settings(DEBUG=True):
        response = request.send(client, inbound_url(channel))
    assert response.status_code == 500
    page = response.content.decode(errors="replace")
    assert "forced fault" in page  # it is the technical page
    for secret in _secrets_of(case):
        assert secret not in page, secret
    assert PRIVATE not in page
    assert "Dlo a koupe" not in page
    assert case.sender.lstrip("+") not in page
