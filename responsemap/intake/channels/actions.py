"""Changing channels: every change is audited; secrets are sealed with the project key."""

from __future__ import annotations

import json

from django.db import transaction

from responsemap.intake.channels.models import Channel
from responsemap.protection.audit import record_event
from responsemap.protection.viewer import ProjectId, Viewer


def do_create_channel(
    *,
    project_id: ProjectId,
    kind: str,
    name: str,
    address: str = "",
    config: dict[str, object] | None = None,
    secrets: dict[str, str] | None = None,
    send_rate: float = 5.0,
    actor: Viewer | None = None,
) -> Channel:
    """Add a channel; its secrets are sealed with the project key."""
    with transaction.atomic():
        channel = Channel(
            project_id=project_id,
            kind=kind,
            name=name,
            address=address,
            config=config or {},
            send_rate=send_rate,
        )
        channel.secrets = json.dumps(secrets or {})
        channel.save(force_insert=True)
        record_event(
            "channel.create",
            project_id=project_id,
            actor=actor,
            object_type="channel",
            object_id=channel.pk,
            fields=["secrets"],
            purpose=kind,
        )
    return channel


def do_replace_channel_secrets(
    channel: Channel, secrets: dict[str, str], *, actor: Viewer | None = None
) -> list[str]:
    """Seal ``secrets`` as the channel's whole set (the caller merged in the ones kept);
    the inbound path sees the change at the next message in every process (the channel's
    ``updated_at`` moves). Returns the names of the secrets set; no value is logged."""
    with transaction.atomic():
        channel.secrets = json.dumps(secrets)
        channel.save(update_fields=["secrets", "updated_at"])
        record_event(
            "channel.rotate",
            project_id=channel.project_id,
            actor=actor,
            object_type="channel",
            object_id=channel.pk,
            fields=["secrets"],
            purpose=channel.kind,
        )
    return sorted(secrets)
