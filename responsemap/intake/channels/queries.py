"""What the inbound endpoints know about a channel, and how they know it is still so.

A gateway posts thousands of messages to one URL, so each web process keeps what it
loaded about a channel (its project, secrets, keywords) — but it never trusts it for a
fixed time. Every message is stored under a condition checked in the storing statement
itself (``still_taking``): the channel is on, its project takes feedback, and neither
the channel nor the project's intake policy changed since this process loaded them.
A change made anywhere (another process, the admin, a raw UPDATE of the status) is seen
at the next message, at no extra round trip; the view then loads the channel again.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import cache, cached_property
from typing import Any

from django.db import connection
from django.utils.translation import gettext_lazy as _

from responsemap.intake.channels.models import Channel
from responsemap.intake.contacts.actions import Condition
from responsemap.intake.contacts.models import IntakePolicy
from responsemap.projects.models import Project
from responsemap.protection.keyring import DecryptionError
from responsemap.protection.keystore import KeyDestroyed, KeyUnavailable
from responsemap.protection.present import open_for_system
from responsemap.protection.system_opens import SystemPurpose

# The project statuses in which a channel takes messages.
TAKING_STATUSES: tuple[str, ...] = (Project.Status.DESIGN.value, Project.Status.ACTIVE.value)


class ChannelChanged(Exception):  # noqa: N818  (a state, not an error)
    """The channel was switched off, its project closed, or its settings changed since
    this process loaded them: nothing was stored; load the channel again."""


@dataclass(frozen=True)
class InboundChannel:
    """What the inbound view needs about a channel, loaded once per process and reused
    while ``still_taking`` holds."""

    channel: Channel  # with its project
    secrets: dict[str, str]
    stop_words: tuple[str, ...]
    start_words: tuple[str, ...]
    # When the channel and the project's intake policy last changed, as loaded.
    channel_changed_at: datetime
    policy_changed_at: datetime | None
    # Why the channel takes no message now ("" if it does).
    refusal: str = ""
    # Its project is closed: a message is answered with the closure notice, not kept.
    closed: bool = False

    @cached_property
    def taking(self) -> Condition:
        """``still_taking``'s condition, built once: every message from this gateway
        checks the same one."""
        channel = self.channel
        stamp = Channel._meta.get_field("updated_at")
        params: tuple[Any, ...] = (
            Channel._meta.get_field("id").get_db_prep_value(channel.pk, connection),
            stamp.get_db_prep_value(self.channel_changed_at, connection),
            channel.project.country,
            *TAKING_STATUSES,
            stamp.get_db_prep_value(self.policy_changed_at, connection),
        )
        return Condition(_taking_sql(), params)


_cache: dict[uuid.UUID, InboundChannel] = {}
_cache_lock = threading.Lock()


def channel_for_webhook(channel_id: str) -> InboundChannel | None:
    """The channel behind an inbound URL (a provider, not a person, is asking), or None
    if there is none. A channel that takes messages is kept for the next request."""
    try:
        key = uuid.UUID(channel_id)
    except ValueError:
        return None
    cached = _cache.get(key)
    if cached is not None:
        return cached
    loaded = load_inbound_channel(key)
    if loaded is not None and not loaded.refusal:
        with _cache_lock:
            _cache[key] = loaded
    return loaded


def load_inbound_channel(channel_id: uuid.UUID) -> InboundChannel | None:
    channel = Channel.objects.select_related("project").filter(pk=channel_id).first()
    if channel is None:
        return None
    policy = IntakePolicy.objects.filter(project_id=channel.project_id).first()
    refusal = ""
    if channel.project.status not in TAKING_STATUSES:
        refusal = str(_("this project no longer takes messages"))
    elif not channel.is_active:
        refusal = str(_("this channel is switched off"))
    # A closed project's channel still checks who is asking (the closure notice is sent
    # back only to a gateway that proves itself) until the project is destroyed.
    closed = channel.project.status == Project.Status.CLOSED and channel.is_active
    return InboundChannel(
        channel=channel,
        # A channel that takes nothing needs no secrets (and a destroyed project's
        # don't open any more).
        secrets=channel_secrets(channel) if not refusal or closed else {},
        stop_words=tuple(policy.stop_words) if policy else (),
        start_words=tuple(policy.start_words) if policy else (),
        channel_changed_at=channel.updated_at,
        policy_changed_at=policy.updated_at if policy else None,
        refusal=refusal,
        closed=closed,
    )


def forget_channel(channel_id: object) -> None:
    """Drop what this process keeps about a channel (it changed)."""
    key = _as_uuid(channel_id)
    if key is not None:
        with _cache_lock:
            _cache.pop(key, None)


def forget_project(project_id: object) -> None:
    """Drop what this process keeps about a project's channels (it was destroyed:
    ``projects.destruction.caches``)."""
    with _cache_lock:
        for key in [k for k, v in _cache.items() if str(v.channel.project_id) == str(project_id)]:
            _cache.pop(key, None)


def forget_channels() -> None:
    with _cache_lock:
        _cache.clear()


def _as_uuid(value: object) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        return None


def still_taking(inbound: InboundChannel) -> Condition:
    """The condition a message is stored under: the channel is on, its project takes
    feedback, and nothing the view relied on changed since it was loaded (in any
    process). Checked inside the storing statement (``do_get_or_create_contact_with``)
    or, on the ORM path, in the storing transaction."""
    return inbound.taking


@cache
def _taking_sql() -> str:
    qn = connection.ops.quote_name
    channels, projects = qn(Channel._meta.db_table), qn(Project._meta.db_table)
    policies = qn(IntakePolicy._meta.db_table)
    same = "IS NOT DISTINCT FROM" if connection.vendor == "postgresql" else "IS"
    statuses = ", ".join(["%s"] * len(TAKING_STATUSES))
    return (
        f"EXISTS (SELECT 1 FROM {channels} c JOIN {projects} p ON p.id = c.project_id "  # noqa: S608
        "WHERE c.id = %s AND c.is_active AND c.updated_at = %s AND p.country = %s "
        f"AND p.status IN ({statuses}) "
        f"AND (SELECT i.updated_at FROM {policies} i WHERE i.project_id = c.project_id) "
        f"{same} %s)"
    )


def channel_secrets(
    channel: Channel, purpose: SystemPurpose = SystemPurpose.AUTHENTICATE_WEBHOOK
) -> dict[str, str]:
    """The channel's secrets. ``KeyDestroyed`` if its project's key was destroyed;
    ``KeyUnavailable`` for any other reason they can't be read (a fault on our side,
    never a reason to refuse the gateway's request with a 4xx)."""
    try:
        raw = open_for_system(channel, "secrets", purpose=purpose)
        secrets = json.loads(raw) if raw else {}
    except DecryptionError as exc:
        if isinstance(exc.__cause__, KeyDestroyed):
            raise KeyDestroyed(f"the key of project {channel.project_id} was destroyed") from None
        raise KeyUnavailable(f"the secrets of channel {channel.pk} do not open") from None
    except ValueError:
        raise KeyUnavailable(f"the secrets of channel {channel.pk} are damaged") from None
    if not isinstance(secrets, dict):
        raise KeyUnavailable(f"the secrets of channel {channel.pk} are damaged")
    return secrets
