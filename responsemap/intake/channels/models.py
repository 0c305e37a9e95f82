"""Channels: a project's gateway accounts, bots and numbers."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from responsemap.protection.fields import EncryptedTextField


class Channel(models.Model):
    """A configured way in and out: one gateway account, bot or number of a project.

    The id is in the inbound URL; secrets (tokens, passwords) are sealed with the
    project key.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=24)
    name = models.CharField(max_length=100)
    address = models.CharField(max_length=64, blank=True, help_text=_("Number or short code"))
    config = models.JSONField(default=dict, blank=True)
    secrets = EncryptedTextField()
    is_active = models.BooleanField(default=True)
    # Outbound messages per second this channel may send.
    send_rate = models.FloatField(default=5.0)
    # The next free sending slot (Unix time), shared by every worker through this row.
    next_send_at = models.FloatField(default=0.0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Checked by the inbound statement against what a web process loaded, so a change is
    # seen at the next message in every process (channels/queries.py).
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"
