"""A person's saved inbox filters: a name and the inbox's query string, both sealed
under the project key (a search may be a name or a number), private to their owner."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from responsemap.protection.fields import EncryptedTextField


class SavedFilter(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = EncryptedTextField()
    # The inbox's query string (filters and order, never a page), as the inbox reads it.
    query = EncryptedTextField()
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["project", "owner", "created_at"])]
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"saved filter {self.pk}"
