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
