"""Urgency and protection rules of a project (docs/alerts.md).

A rule's keywords are configuration, not anyone's words: they are stored in clear, like
coded data. A project with no rule of its own uses the defaults of ``defaults.py``.
"""

from __future__ import annotations

import uuid

from django.db import models

from responsemap.triage.rules.choices import RuleUrgency


class Rule(models.Model):
    """Conditions a new record is matched against at birth, and what a match does.

    Every condition set must hold (keywords: any one of them, in any language). Effects:
    ``sets_urgency`` raises the record's urgency; ``suggests_protection`` raises it to
    protection-sensitive at once, flagged for protection staff to confirm or lower."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True)
    # {"en": ["beat", …], "ar": […]}: matched on normalised text (rules.matching).
    keywords = models.JSONField(default=dict, blank=True)
    type_codes = models.JSONField(default=list, blank=True)
    area_ids = models.JSONField(default=list, blank=True)
    # Same contact sent at least ``repeat_count`` records within ``repeat_hours``.
    repeat_count = models.PositiveSmallIntegerField(null=True, blank=True)
    repeat_hours = models.PositiveSmallIntegerField(null=True, blank=True)
    sets_urgency = models.CharField(
        max_length=8, choices=RuleUrgency.choices, default=RuleUrgency.UNCHANGED, blank=True
    )
    suggests_protection = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["project", "is_active"])]
        ordering = ["name"]

    def __str__(self) -> str:
        return f"rule {self.name}"
