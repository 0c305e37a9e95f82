from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass

from django.db import transaction

from responsemap.intake.channels.models import Channel
from responsemap.intake.contacts.models import IntakePolicy
from responsemap.protection.present import open_for_system

# How long a web process trusts what it loaded about a channel. A channel switched off,
# a project closed or a secret changed takes effect within this many seconds in every
# process (at once in the process that made the change).
CHANNEL_CACHE_SECONDS = 10.0


@dataclass(frozen=True)
class InboundChannel:
    """What the inbound view needs about a channel, loaded once per process and reused:
    a gateway posts thousands of messages to the same URL."""

    channel: Channel  # with its project
    secrets: dict[str, str]
    stop_words: tuple[str, ...]
    start_words: tuple[str, ...]
    loaded_at: float


_cache: dict[uuid.UUID, InboundChannel] = {}
_cache_lock = threading.Lock()


def channel_for_webhook(channel_id: str) -> InboundChannel | None:
    """The active channel behind an inbound URL (a provider, not a person, is asking)."""
    try:
        key = uuid.UUID(channel_id)
    except ValueError:
        return None
    now = time.monotonic()
    cached = _cache.get(key)
    if cached is not None and now - cached.loaded_at < CHANNEL_CACHE_SECONDS:
        return cached
    channel = (
        Channel.objects.select_related("project")
        .filter(pk=key, is_active=True, project__status__in=["design", "active"])
        .first()
    )
    if channel is None:
        with _cache_lock:
            _cache.pop(key, None)
        return None
    policy = IntakePolicy.objects.filter(project_id=channel.project_id).first()
    loaded = InboundChannel(
        channel=channel,
        secrets=channel_secrets(channel),
        stop_words=tuple(policy.stop_words) if policy else (),
        start_words=tuple(policy.start_words) if policy else (),
        loaded_at=now,
    )
    with _cache_lock:
        _cache[key] = loaded
    return loaded


def forget_channels(*_: object, **__: object) -> None:
    """Drop what this process cached about channels (connected to saves of channels,
    projects and intake policies in IntakeConfig.ready): now, and again at commit, as a
    request served meanwhile would have cached the row as it was before the change."""
    _clear_cache()
    transaction.on_commit(_clear_cache)


def _clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


def channel_secrets(channel: Channel) -> dict[str, str]:
    raw = open_for_system(channel, "secrets", purpose="authenticate with the provider")
    return json.loads(raw) if raw else {}
