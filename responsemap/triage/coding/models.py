"""A project's coding framework: the codes a record's type, sector and topic may take.

Codes are stable (an export's column keeps its meaning): a code is never renamed, only
its labels change; a code no longer wanted is retired, not deleted, so the records that
hold it keep it and still show its label. Labels are configuration, not anything a
person said: they are stored in clear like the codes themselves.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """The record's fields a framework codes (the value is the field's name)."""

    TYPE = "type_code", _("Type")
    SECTOR = "sector", _("Sector")
    TOPIC = "topic", _("Topic")


class Code(models.Model):
    """One code of a project's framework. A project with no row of a kind uses the
    defaults (``framework.DEFAULT_CODES``); the first change to its framework stores them
    (``actions._stored_framework``)."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    code = models.SlugField(max_length=64)
    # Empty for a default code whose label was never changed: its built-in label,
    # translated into every language of the interface, is shown.
    label = models.CharField(max_length=100, blank=True)
    # Labels per language of the project ({"fr": "Plainte"}), over ``label``.
    labels = models.JSONField(default=dict, blank=True)
    position = models.PositiveIntegerField(default=0)
    retired_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "kind", "code"], name="coding_code_unique"),
        ]
        ordering = ["project", "kind", "position", "code"]

    def __str__(self) -> str:
        return f"{self.kind} code {self.code}"
