"""Verification of a record: is what it says true? Status, the number of independent
sources, triangulation notes (sealed), and for items taken from social media a checklist
(provenance, source, date, location, consistency), each ticked with a sealed note."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from responsemap.protection.fields import EncryptedTextField


class VerificationStatus(models.TextChoices):
    UNVERIFIED = "unverified", _("Not verified")
    VERIFIED = "verified", _("Verified")
    FALSE = "false", _("False")


class CheckItem(models.TextChoices):
    PROVENANCE = "provenance", _("Provenance: is this the first post of it?")
    SOURCE = "source", _("Source: who posted it, and can they know?")
    DATE = "date", _("Date: when was it made, not only posted?")
    LOCATION = "location", _("Location: where was it made?")
    CONSISTENCY = "consistency", _("Consistency: does it agree with other sources?")


class Verification(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    feedback = models.OneToOneField(
        "triage.Feedback", on_delete=models.CASCADE, related_name="verification"
    )
    status = models.CharField(
        max_length=12, choices=VerificationStatus.choices, default=VerificationStatus.UNVERIFIED
    )
    sources_count = models.PositiveIntegerField(default=0)
    # Triangulation notes: free text a person writes, sealed (ADR 0008).
    notes = EncryptedTextField()
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"verification of {self.feedback_id}"


class VerificationCheck(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    feedback = models.ForeignKey(
        "triage.Feedback", on_delete=models.CASCADE, related_name="verification_checks"
    )
    item = models.CharField(max_length=12, choices=CheckItem.choices)
    ticked = models.BooleanField(default=False)
    note = EncryptedTextField()
    checked_at = models.DateTimeField()
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["feedback", "item"], name="verification_check_unique")
        ]

    def __str__(self) -> str:
        return f"{self.item} check of {self.feedback_id}"
