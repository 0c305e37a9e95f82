"""The WSGI application: webhooks and the health check go through the short middleware
stack, every other page through the whole one."""

from __future__ import annotations

import io
import json
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from responsemap.intake.channels.actions import do_create_channel
from responsemap.intake.channels.webhook.adapter import sign
from responsemap.lib.charsets import is_text_encoding
from responsemap.lib.handlers import ByPath, LeanHandler, application
from responsemap.projects.models import Project
from responsemap.protection.models import AuditPending

SECRET = "relay-shared-secret"


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


def call(app: ByPath, method: str, path: str, body: bytes = b"", **headers: str) -> Any:
    content_type = headers.pop("CONTENT_TYPE", "application/json")
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "id=1&ts=2",
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "192.0.2.7",
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        **{f"HTTP_{k.upper()}": v for k, v in headers.items()},
    }
    answer: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]]) -> None:
        answer["status"] = int(status.split()[0])
        answer["headers"] = dict(response_headers)

    answer["body"] = b"".join(app(environ, start_response))
    return answer


def test_paths_are_split_by_prefix(settings: Any) -> None:
    assert "/channels/" in settings.LEAN_PATHS
    app = application()
    assert isinstance(app.lean, LeanHandler)
    assert app.lean_paths == tuple(settings.LEAN_PATHS)


def post_message(app: ByPath, project: Project, **headers: str) -> Any:
    channel = do_create_channel(
        project_id=project.pk, kind="webhook", name="relay", secrets={"secret": SECRET}
    )
    body = json.dumps({"id": "m-1", "from": "+50937000001", "text": "Dlo koupe"}).encode()
    path = f"/channels/{channel.pk}/receive"
    return call(app, "POST", path, body, X_SIGNATURE=sign(SECRET, body), **headers)


@pytest.mark.django_db
def test_a_webhook_is_served_lean_and_audited_with_its_request_id(
    app: ByPath, project: Project
) -> None:
    answer = post_message(app, project)
    assert answer["status"] == 200, answer["body"]
    assert json.loads(answer["body"])["stored"] == 1
    headers = answer["headers"]
    # Our context middleware ran (its id is the audit event's); session, language and
    # CSRF middleware did not (no cookie, no Vary on them).
    event = AuditPending.objects.get(action="message.receive")  # and the contact's birth
    assert headers["X-Request-ID"] == event.request_id
    assert event.client_ip == "192.0.2.7"
    assert "Set-Cookie" not in headers
    assert "Vary" not in headers
    assert headers["X-Content-Type-Options"] == "nosniff"  # SecurityMiddleware kept


@pytest.mark.django_db
def test_a_webhook_with_an_unknown_host_is_refused_with_a_reason(
    app: ByPath, project: Project
) -> None:
    answer = post_message(app, project, HOST="evil.example")
    assert answer["status"] == 400
    assert "malformed request" in json.loads(answer["body"])["error"]
    assert not AuditPending.objects.exists()


def test_health_check_is_lean_and_checks_the_host(app: ByPath) -> None:
    ok = call(app, "GET", "/healthz")
    assert (ok["status"], ok["body"]) == (200, b"ok")
    assert "Vary" not in ok["headers"]
    assert call(app, "GET", "/healthz", HOST="evil.example")["status"] == 400


@pytest.mark.django_db
def test_pages_keep_the_whole_stack(app: ByPath) -> None:
    answer = call(app, "GET", "/accounts/login/")
    assert answer["status"] == 200
    assert answer["headers"]["X-Frame-Options"] == "DENY"  # clickjacking middleware
    assert "Cookie" in answer["headers"]["Vary"]  # session and CSRF middleware
    assert "X-Request-ID" in answer["headers"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "charset", ["rot13", "zlib", "base64", "hex", "undefined", "idna", "punycode"]
)
def test_a_non_text_charset_never_breaks_the_request_itself(app: ByPath, charset: str) -> None:
    """Django took any charset ``codecs.lookup`` knows as the request's encoding and
    decoded the query with it while building the request: a bare 500 before any view.
    Both handlers build ``TextCharsetRequest``, which leaves such a charset for the view."""
    page = call(app, "GET", "/accounts/login/", CONTENT_TYPE=f"text/plain; charset={charset}")
    assert page["status"] == 200
    webhook = call(app, "POST", f"/channels/{uuid.uuid4()}/receive", b"x")
    assert webhook["status"] == 404


def test_text_encodings_are_told_apart_from_other_codecs() -> None:
    for name in ("utf-8", "UTF-16BE", "latin-1", "cp1252", "UCS-2", "ascii"):
        assert is_text_encoding(name)
    for name in (
        "rot13",
        "zlib",
        "base64",
        "hex",
        "bz2",
        "undefined",
        "no-such",
        "utf\x00-8",
        "punycode",
        "idna",
        "unicode_escape",
        "utf-7",
        "GSM",
    ):
        assert not is_text_encoding(name)
