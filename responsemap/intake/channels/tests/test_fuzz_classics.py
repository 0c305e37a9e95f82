"""Hostile requests every run, for every kind of channel: the classics that random
search (``test_fuzz.py``) finds only sometimes — NULs, non-text charsets, encodings,
bodies in the wrong shape — signed where the kind signs, so they reach its parser."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client

from responsemap.intake.channels.models import Channel
from responsemap.intake.channels.registry import adapter_for, available_kinds
from responsemap.intake.channels.tests.conformance import inbound_url, status_url
from responsemap.intake.channels.tests.test_fuzz import (  # noqa: F401 (fixtures)
    FORM,
    HEADER_NAMES,
    JSON,
    SIGNERS,
    Fuzzed,
    _case_or_none,
    _requests_as_the_app_builds_them,
    channel,
    check_messages,
    check_reports,
    kind,
    refused_or,
)
from responsemap.intake.messages.models import InboundMessage
from responsemap.protection.present import open_for_system

# --- Classics, every time -----------------------------------------------------------
# Random search finds these only sometimes; they are cheap, so every kind gets each one
# on every run (signed where the kind signs, so they reach its parser).

NUL = "a\x00b"
CLASSICS = {
    "nested deeper than the recursion limit": Fuzzed("POST", b"[" * 5_000, JSON),
    "an integer past int()'s digit limit": Fuzzed(
        "POST", b'{"update_id": 1, "messages": [{"id": ' + b"9" * 5_000 + b"}]}", JSON
    ),
    "non-ASCII in every proof-of-origin header": Fuzzed(
        "POST",
        b"{}",
        JSON,
        headers={name: "s\xe9cret" for name in HEADER_NAMES},
    ),
    "more query fields than Django parses": Fuzzed("POST", b"{}", JSON, "&".join(["x=1"] * 1_001)),
    "a form in a charset other than UTF-8": Fuzzed("POST", b"From=%E9", f"{FORM}; charset=latin-1"),
    "NUL in a JSON id": Fuzzed(
        "POST",
        json.dumps(
            {
                "messages": [{"id": NUL, "from": "+50937001122", "text": "x"}],
                "object": "whatsapp_business_account",
                "entry": [
                    {
                        "changes": [
                            {
                                "field": "messages",
                                "value": {
                                    "metadata": {"phone_number_id": "106540352242922"},
                                    "messages": [
                                        {
                                            "id": NUL,
                                            "from": "50937001122",
                                            "type": "text",
                                            "text": {"body": "x"},
                                        }
                                    ],
                                },
                            }
                        ]
                    }
                ],
            }
        ).encode(),
        JSON,
    ),  # fmt: skip
    "NUL in a form id": Fuzzed(
        "POST",
        urlencode(
            {
                "MessageSid": NUL,
                "id": NUL,
                "From": "+50937001122",
                "from": "+50937001122",
                "MessageStatus": "delivered",
                "status": "Success",
            }
        ).encode(),
        FORM,
    ),  # fmt: skip
    "NUL in a query id": Fuzzed(
        "POST",
        b"x",
        "text/plain; charset=utf-8",
        urlencode({"id": NUL, "out": NUL, "ts": "1"}),
        headers={"X-Kannel-From": "+50937001122"},
    ),  # fmt: skip
    "a time that overflows on the way to UTC": Fuzzed(
        "POST",
        json.dumps(
            {
                "messages": [
                    {
                        "id": "t1",
                        "from": "+50937001122",
                        "text": "x",
                        "sent_at": "0001-01-01T00:00:00+01:00",
                    }
                ]
            }
        ).encode(),
        JSON,
    ),  # fmt: skip
    "a form time that overflows on the way to UTC": Fuzzed(
        "POST",
        urlencode(
            {"id": "t2", "from": "+50937001122", "text": "x", "date": "9999-12-31T23:59:59-01:00"}
        ).encode(),
        FORM,
    ),  # fmt: skip
    "a lone surrogate in the text": Fuzzed(
        "POST", b'{"messages": [{"id": "s1", "from": "+50937001122", "text": "\\ud800"}]}', JSON
    ),
    "a NUL in the text": Fuzzed(
        "POST", b'{"messages": [{"id": "n1", "from": "+50937001122", "text": "a\\u0000b"}]}', JSON
    ),
    "a NUL in the text of a form": Fuzzed(
        "POST",
        urlencode(
            {
                "MessageSid": "SMn2",
                "id": "n2",
                "From": "+50937001122",
                "from": "+50937001122",
                "Body": NUL,
                "text": NUL,
            }
        ).encode(),
        FORM,
    ),  # fmt: skip
    "a NUL in a Kannel text": Fuzzed(
        "POST",
        b"Dlo\x00 koupe",
        'text/plain; charset="UTF-8"',
        urlencode({"id": "n3", "ts": "1795303557", "coding": "0", "charset": "UTF-8"}),
        headers={"X-Kannel-From": "+50937001122"},
    ),
    "a non-text charset in the Content-Type, with a query": Fuzzed(
        "POST",
        b"uryyb",
        "text/plain; charset=rot13",
        urlencode({"id": "c1", "ts": "1795303557", "coding": "0"}),
        headers={"X-Kannel-From": "+50937001122"},
    ),
    "a non-text charset in Kannel's query": Fuzzed(
        "POST",
        b"x\x9c",
        "text/plain",
        urlencode({"id": "c2", "ts": "1795303557", "coding": "0", "charset": "zlib"}),
        headers={"X-Kannel-From": "+50937001122"},
    ),
    "UTF-8 labelled UCS-2": Fuzzed(
        "POST",
        "Mèsi".encode(),
        'text/plain; charset="UTF-16BE"',
        urlencode({"id": "u1", "ts": "1795303557", "coding": "2", "charset": "UTF-16BE"}),
        headers={"X-Kannel-From": "+50937001122"},
    ),
    "JSON that is not UTF-8": Fuzzed(
        "POST", b'{"messages": [{"id": "j1", "from": "+50937001122", "text": "\xe9t\xe9"}]}', JSON
    ),
    "a compressed body": Fuzzed(
        "POST", b"\x1f\x8b\x08\x00", JSON, headers={"Content-Encoding": "gzip"}
    ),
}


# Which classic fails for which kind, and why: found by this file, fixes in the report.
# Strict: once an adapter is fixed its entry fails here as XPASS until removed.
CLASSIC_FINDINGS: dict[tuple[str, str], str] = {}


def _classic_cases() -> list[Any]:
    cases = []
    for name in available_kinds():
        for classic in CLASSICS:
            reason = CLASSIC_FINDINGS.get((name, classic))
            marks = [pytest.mark.xfail(reason=f"{name}: {reason}", strict=True)] if reason else []
            cases.append(pytest.param(name, classic, marks=marks, id=f"{name}-{classic}"))
    return cases


@pytest.mark.django_db(transaction=False)
@pytest.mark.parametrize(("kind", "classic"), _classic_cases(), indirect=["kind"])
def test_classic_hostile_requests(
    kind: str,  # noqa: F811 (the fixture)
    channel: Channel,  # noqa: F811
    classic: str,
) -> None:
    adapter = adapter_for(kind)
    secrets = dict(getattr(_case_or_none(kind), "secrets", {}))
    for path in (inbound_url(channel), status_url(channel)):
        for sign in (False, True):
            fuzzed = CLASSICS[classic]
            if sign and kind in SIGNERS:
                fuzzed = SIGNERS[kind](fuzzed, path, secrets)
            request = fuzzed.build(path)
            refused_or(adapter.verify, request, channel, secrets)
            messages = refused_or(adapter.parse, request, channel)
            check_messages(messages or [])
            reports = refused_or(adapter.parse_status, fuzzed.build(path), channel)
            check_reports(reports or [])
            response = fuzzed.send(Client(), path)
            assert response.status_code < 500, (response.status_code, response.content[:200])
            if response.status_code >= 400:
                assert response.json()["error"], response.content[:200]
            for message in InboundMessage.objects.filter(channel=channel):
                open_for_system(message, "text", purpose="test")  # stored, and opens
