"""A form on a KoboToolbox or ODK Central server that submissions are pulled from."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from responsemap.protection.fields import EncryptedTextField


class PullSource(models.Model):
    """One form on one server, pulled every ``interval_minutes``.

    ``config`` holds what is not secret (server URL, asset uid or project and form id,
    the ODK sign-in kind); ``secrets`` (API token, or e-mail and password) is sealed with
    the project key, like a channel's. ``fields`` is the JSON list of the form's field
    paths seen on the server (sealed like an import's header row); ``mapping`` maps
    target → field path. The outcome of the last pull is coded (``last_outcome``) and
    its problems are (submission number in the pull, target, reason code): no value.
    """

    class Kind(models.TextChoices):
        KOBO = "kobo", _("KoboToolbox")
        ODK = "odk", _("ODK Central")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    name = models.CharField(max_length=100)
    config = models.JSONField(default=dict, blank=True)
    secrets = EncryptedTextField()
    fields = EncryptedTextField()  # JSON: ["_uuid", "group/comment", …]
    mapping = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=True)
    interval_minutes = models.PositiveIntegerField(default=60)
    # The cursor: submissions from this moment on are asked for at the next pull.
    last_submission_at = models.DateTimeField(null=True, blank=True)
    next_run_at = models.DateTimeField(null=True, blank=True)
    running_since = models.DateTimeField(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_outcome = models.CharField(max_length=24, blank=True)
    last_fetched = models.PositiveIntegerField(default=0)
    last_created = models.PositiveIntegerField(default=0)
    last_skipped = models.PositiveIntegerField(default=0)
    last_failed = models.PositiveIntegerField(default=0)
    total_created = models.PositiveIntegerField(default=0)
    # [{"row": 3, "field": "received_at", "reason": "bad_date"}, …]
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "imports"
        indexes = [
            models.Index(fields=["project", "name"]),
            # The upkeep's question every few seconds: which sources are due?
            models.Index(fields=["is_active", "next_run_at"], name="imports_pull_due"),
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"
