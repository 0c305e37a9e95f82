"""The manager's narrative of a project's printed report: free text, so sealed under
the project key (it may name a place, a person, an incident)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from responsemap.protection.fields import EncryptedTextField


class ReportNarrative(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.OneToOneField("projects.Project", on_delete=models.CASCADE, related_name="+")
    text = EncryptedTextField()
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        app_label = "analytics"

    def __str__(self) -> str:
        return f"report narrative of {self.project_id}"
