"""The contract every channel adapter passes.

Each kind provides a ``Case`` (in ``channels/<kind>/tests/case.py``) that knows how its
provider shapes requests; ``test_conformance.py`` runs the same checks on all of them:
authentic messages are stored once (replays are no-ops) before the answer, forged or
malformed requests get a 4xx with a reason and store nothing, oversized bodies are
refused, delivery reports move an outbound message forward, and sending goes through
the provider's API (mocked at the HTTP boundary only for providers on the internet).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.test import Client
from django.urls import reverse

from responsemap.intake.channels.models import Channel


@dataclass
class WebhookRequest:
    """An HTTP request as the provider would make it."""

    method: str = "POST"
    query: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    def send(self, client: Client, url: str) -> Any:
        if self.query:
            url = f"{url}?{urlencode(self.query)}"
        if self.method == "GET":
            return client.get(url, headers=self.headers)
        return client.generic(
            self.method, url, self.body, content_type=self.content_type, headers=self.headers
        )


class Case:
    """How one provider talks. Subclasses fill in the provider's shapes."""

    kind: str
    address = "+50930000000"
    sender = "+50937001122"  # as the provider writes a sender (phone channels)
    expected_status = 200
    # False for providers that never report delivery (Telegram's Bot API): the suite
    # then checks that replies go out, and stops there.
    delivery_reports = True
    config: dict[str, Any] = {}
    secrets: dict[str, str] = {}

    def inbound(self, channel: Channel, message_id: str, sender: str, text: str) -> WebhookRequest:
        raise NotImplementedError

    def forged(self, channel: Channel, message_id: str, sender: str, text: str) -> WebhookRequest:
        """The same request with a wrong or missing proof of origin."""
        raise NotImplementedError

    def malformed(self, channel: Channel) -> list[WebhookRequest]:
        """Authentic requests whose content is wrong (missing fields, bad JSON…)."""
        raise NotImplementedError

    def status(self, channel: Channel, provider_message_id: str, state: str) -> WebhookRequest:
        raise NotImplementedError

    def mock_send(self, rsps: Any, channel: Channel, provider_message_id: str) -> None:
        """Register the provider's send API answer with ``responses`` (internet providers)."""
        raise NotImplementedError


def inbound_url(channel: Channel) -> str:
    return reverse("intake:receive", args=[channel.pk])


def status_url(channel: Channel) -> str:
    return reverse("intake:status", args=[channel.pk])
