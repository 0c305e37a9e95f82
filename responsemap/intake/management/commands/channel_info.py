"""``manage.py channel_info <channel id>``: what an administrator needs to point a
gateway at a channel — its URLs and the configuration to paste (for Kannel, the
``sms-service`` and ``sendsms-user`` groups).

Secrets stay hidden unless ``--show-secret`` is given. Showing them is a decrypt for a
person, so it is written to the project's audit log (ARCHITECTURE.md, chokepoint 4).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from responsemap.intake.channels.models import Channel
from responsemap.intake.channels.queries import channel_secrets
from responsemap.intake.channels.registry import adapter_for
from responsemap.intake.messages.send import status_url
from responsemap.protection.audit import record_event
from responsemap.protection.system_opens import SystemPurpose, accounted_batch


def inbound_url(channel: Channel) -> str:
    return settings.RESPONSEMAP_PUBLIC_URL.rstrip("/") + reverse(
        "intake:receive", args=[channel.pk]
    )


class Command(BaseCommand):
    help = "Show a channel's inbound and status URLs and the gateway configuration to paste."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("channel_id", help="the channel's id (a UUID)")
        parser.add_argument(
            "--show-secret",
            action="store_true",
            help="also print the channel's secrets, to paste into the gateway (audited)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            key = uuid.UUID(str(options["channel_id"]))
        except ValueError:
            raise CommandError("the channel id is a UUID") from None
        channel = Channel.objects.select_related("project").filter(pk=key).first()
        if channel is None:
            raise CommandError(f"no channel {key}")
        inbound, status = inbound_url(channel), status_url(channel)
        self.stdout.write(f"Channel:     {channel.name} ({channel.kind})")
        self.stdout.write(f"Project:     {channel.project.slug}")
        self.stdout.write(f"Active:      {'yes' if channel.is_active else 'no'}")
        self.stdout.write(f"Inbound URL: {inbound}")
        self.stdout.write(f"Status URL:  {status}")
        self.stdout.write("")
        try:
            adapter = adapter_for(channel.kind)
        except (LookupError, ImportError):
            self.stdout.write(f"No adapter is installed for the kind {channel.kind!r}.")
        else:
            self.stdout.write(adapter.setup_help(channel, inbound, status))
        if options["show_secret"]:
            self._show_secrets(channel)
        else:
            self.stdout.write("Secrets are hidden; --show-secret prints them (and audits it).")

    def _show_secrets(self, channel: Channel) -> None:
        with accounted_batch():  # the open is counted in the audit log as this ends
            secrets = channel_secrets(channel, SystemPurpose.SHOW_CHANNEL_SECRETS)
        record_event(
            "channel.secrets_reveal",
            project_id=channel.project_id,
            object_type="channel",
            object_id=channel.pk,
            fields=["secrets"],
            purpose="gateway configuration",
            reason="manage.py channel_info --show-secret",
        )
        self.stdout.write("Secrets (paste them into the gateway; never into tickets or chat):")
        if not secrets:
            self.stdout.write("  (none set)")
        for name, value in sorted(secrets.items()):
            self.stdout.write(f"  {name}: {value}")
