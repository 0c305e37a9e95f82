"""Referrals of feedback records to partners under data-sharing agreements, and the
disclosure log of each agreement (issue 10, point 8).

A ``Referral`` holds the officer's note to the partner and the partner's answer, both
sealed under the project key (free text a person wrote), shown without a reveal to
whoever may load the referral (``referrals.queries``). A ``Disclosure`` is one line of an
agreement's disclosure log: what was shared (the record's reference and the field
names), when, with whom — written with an audit event by every referral, every partner
view and every partner answer. Coded data only; the audit chain holds the same facts,
tamper-evident, and the log is its searchable index.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from responsemap.protection.fields import EncryptedTextField


class ReferralStatus(models.TextChoices):
    SENT = "sent", _("Sent, not yet received")
    RECEIVED = "received", _("Received")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    DECLINED = "declined", _("Declined")


class Referral(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    feedback = models.ForeignKey(
        "triage.Feedback", on_delete=models.CASCADE, related_name="referrals"
    )
    agreement = models.ForeignKey(
        "projects.DataSharingAgreement", on_delete=models.CASCADE, related_name="referrals"
    )
    status = models.CharField(
        max_length=16, choices=ReferralStatus.choices, default=ReferralStatus.SENT
    )
    # The consent to share this referral relies on (the person's, found on their
    # contact, or confirmed by the officer when referring).
    consent = models.ForeignKey(
        "intake.ConsentRecord", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    referred_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    note = EncryptedTextField()
    answer = EncryptedTextField()
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["feedback", "agreement"], name="referral_once_per_agreement"
            )
        ]
        indexes = [models.Index(fields=["agreement", "status", "-referred_at"])]
        ordering = ["-referred_at"]

    def __str__(self) -> str:
        return f"referral of {self.feedback_id}"


class DisclosureKind(models.TextChoices):
    REFERRED = "referred", _("Referred")
    VIEWED = "viewed", _("Opened by the partner")
    LISTED = "listed", _("Listed in the partner's queue")
    STATUS = "status", _("Status updated by the partner")
    ANSWERED = "answered", _("Answered by the partner")


class Disclosure(models.Model):
    id = models.BigAutoField(primary_key=True)
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    agreement = models.ForeignKey(
        "projects.DataSharingAgreement", on_delete=models.CASCADE, related_name="disclosures"
    )
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="disclosures")
    # The record's reference, copied: the log is searched by it without a join.
    reference = models.CharField(max_length=12)
    kind = models.CharField(max_length=12, choices=DisclosureKind.choices)
    fields = models.JSONField(default=list)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    person_label = models.CharField(max_length=150)
    at = models.DateTimeField()
    # The audit event written with it (no foreign key: the audit tables are insert-only
    # for the application's database role).
    event_uid = models.UUIDField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["agreement", "-at"]),
            models.Index(fields=["agreement", "reference"]),
        ]
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"disclosure {self.kind} of {self.reference}"
