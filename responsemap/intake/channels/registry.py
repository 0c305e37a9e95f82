"""Every channel kind, by name. Adding a kind: a sub-package with an adapter, listed here,
passing the shared conformance tests (intake/channels/tests/conformance.py)."""

from __future__ import annotations

from django.utils.module_loading import import_string

from responsemap.intake.channels.base import ChannelType

ADAPTERS = {
    "kannel": "responsemap.intake.channels.kannel.adapter.KannelType",
    "twilio": "responsemap.intake.channels.twilio.adapter.TwilioType",
    "africastalking": "responsemap.intake.channels.africastalking.adapter.AfricasTalkingType",
    "webhook": "responsemap.intake.channels.webhook.adapter.WebhookType",
    "telegram": "responsemap.intake.channels.telegram.adapter.TelegramType",
    "whatsapp": "responsemap.intake.channels.whatsapp.adapter.WhatsAppType",
}


def adapter_for(kind: str) -> ChannelType:
    try:
        path = ADAPTERS[kind]
    except KeyError:
        raise LookupError(f"no channel kind {kind!r}") from None
    adapter: ChannelType = import_string(path)()
    return adapter


def available_kinds() -> list[str]:
    kinds = []
    for kind in ADAPTERS:
        try:
            adapter_for(kind)
        except ImportError:
            continue
        kinds.append(kind)
    return kinds
