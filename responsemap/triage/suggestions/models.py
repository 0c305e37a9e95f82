"""Stored suggestions, and each project's own model.

A suggestion is coded data (codes, confidences, the kinds of cue found), never text: in
clear, like the record's codes. A project's model is weights over hashed n-grams (no
vocabulary, no text); sealed under the project's key all the same, so it goes with the
key when the project is destroyed.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from responsemap.protection.fields import EncryptedTextField


class Decision(models.TextChoices):
    PENDING = "", _("Not decided")
    ACCEPTED = "accepted", _("Accepted")
    CHANGED = "changed", _("Changed")


class Suggestion(models.Model):
    """What the model suggested for a record at its birth. Never applied to the record's
    codes by itself: a person accepts or changes it (``actions``)."""

    feedback = models.OneToOneField(
        "triage.Feedback", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    type_code = models.CharField(max_length=16)
    type_confidence = models.FloatField()
    sector = models.CharField(max_length=16)
    sector_confidence = models.FloatField()
    urgent = models.BooleanField(default=False)
    urgent_confidence = models.FloatField()
    protection = models.BooleanField(default=False)
    protection_confidence = models.FloatField()
    # Kinds of cue found (cues.CUES keys, "keyword"): codes, never the words.
    cues = models.JSONField(default=list, blank=True)
    # "base", or "project:<version>" for a project's own model.
    model = models.CharField(max_length=32)
    # The record was raised at birth: urgency (urgent above the alert bar) and/or
    # sensitivity (a protection case at the protection bar); see ``bars``.
    raised = models.BooleanField(default=False)
    # Urgent above the alert bar: urgency raised and an alert sent. ``urgent`` without
    # it is shown as "possibly urgent" only.
    alerted = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    decision = models.CharField(max_length=8, choices=Decision.choices, default="", blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["project", "created_at"])]

    def __str__(self) -> str:
        return f"suggestion for {self.feedback_id}"


class ProjectModel(models.Model):
    """A project's own suggestion model, learnt from its staff's coding
    (``actions.do_train_project_model``). The newest row is used."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField()
    # ``model.Suggester.to_bytes()``, base64: a NumPy archive, never a pickle.
    weights = EncryptedTextField()
    examples = models.PositiveIntegerField(default=0)
    project_examples = models.PositiveIntegerField(default=0)
    trained_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "version"], name="suggestions_model_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"suggestion model {self.version} of {self.project_id}"
