from __future__ import annotations

import json
from typing import Any

from responsemap.intake.channels.models import Channel
from responsemap.intake.channels.tests.conformance import Case, WebhookRequest
from responsemap.intake.channels.webhook.adapter import SIGNATURE_HEADER, sign

SEND_URL = "https://relay.example.org/send"


class WebhookCase(Case):
    kind = "webhook"
    config = {"send_url": SEND_URL}
    secrets = {"secret": "relay-shared-secret"}

    def _signed(self, payload: Any, secret: str | None = None) -> WebhookRequest:
        body = json.dumps(payload).encode()
        headers = {SIGNATURE_HEADER: sign(secret or self.secrets["secret"], body)}
        return WebhookRequest(body=body, headers=headers)

    def inbound(self, channel: Channel, message_id: str, sender: str, text: str) -> WebhookRequest:
        return self._signed({"messages": [{"id": message_id, "from": sender, "text": text}]})

    def forged(self, channel: Channel, message_id: str, sender: str, text: str) -> WebhookRequest:
        return self._signed({"id": message_id, "from": sender, "text": text}, secret="guess")

    def malformed(self, channel: Channel) -> list[WebhookRequest]:
        broken = WebhookRequest(body=b"{not json")
        broken.headers = {SIGNATURE_HEADER: sign(self.secrets["secret"], broken.body)}
        return [
            broken,
            self._signed({"messages": [{"from": "+50937001122", "text": "no id"}]}),
            self._signed({"messages": "nope"}),
            self._signed([1, 2, 3]),
            self._signed({"messages": [{"id": "x", "from": "+1", "text": "t", "sent_at": "soon"}]}),
        ]

    def status(self, channel: Channel, provider_message_id: str, state: str) -> WebhookRequest:
        return self._signed({"statuses": [{"id": provider_message_id, "status": state}]})

    def mock_send(self, rsps: Any, channel: Channel, provider_message_id: str) -> None:
        rsps.post(SEND_URL, json={"id": provider_message_id})
