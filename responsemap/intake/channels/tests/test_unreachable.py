"""What a send that got no answer becomes, with real sockets: a port nobody listens on
(never reached: safe to retry) and a listener that takes the request and never answers
(maybe sent: "unknown", never sent again). ADR 0009."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
import requests

from responsemap.intake.channels.base import unreachable


@pytest.fixture
def silent_listener() -> Iterator[str]:
    """A port that accepts connections and reads, but never answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield f"http://127.0.0.1:{server.getsockname()[1]}/send"


def closed_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/send"


def failure_of(url: str) -> requests.RequestException:
    try:
        requests.post(url, data=b"hello", timeout=0.5)
    except requests.RequestException as exc:
        return exc
    raise AssertionError("the request was answered")


def test_a_refused_connection_never_reached_the_provider() -> None:
    failed = unreachable("Relay", failure_of(closed_port()))
    assert (failed.retry, failed.maybe_sent) == (True, False)
    assert failed.reason.startswith("Relay unreachable: ")


def test_a_request_sent_and_never_answered_may_have_been_taken(silent_listener: str) -> None:
    failed = unreachable("Relay", failure_of(silent_listener))
    assert (failed.retry, failed.maybe_sent) == (False, True)
    assert failed.reason == "Relay did not answer: ReadTimeout"


def test_the_reason_never_carries_the_url() -> None:
    url = closed_port() + "?token=bot123:SECRET"
    assert "SECRET" not in unreachable("Telegram", failure_of(url)).reason
