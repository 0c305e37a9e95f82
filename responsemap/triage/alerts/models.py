"""Alerts on urgent records, the in-app notifications they make, and each project's
alert policy: who is told, when an alert is escalated, response-time targets (docs/alerts.md).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

DEFAULT_ALERT_URGENCIES = ["critical"]
DEFAULT_ALERT_ROLES = ["officer", "protection"]
DEFAULT_ESCALATION_ROLES = ["manager", "protection"]
DEFAULT_ESCALATE_AFTER_MINUTES = 30
DEFAULT_TARGET_HOURS = 72
URGENT_TARGET_HOURS = 24


class AlertPolicy(models.Model):
    """One project's alert settings; a project without a row uses the defaults above."""

    project = models.OneToOneField(
        "projects.Project", on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    # Urgencies that raise an alert by themselves (a rule's match always does).
    alert_urgencies = models.JSONField(default=list)
    alert_roles = models.JSONField(default=list)
    escalation_roles = models.JSONField(default=list)
    escalate_after_minutes = models.PositiveIntegerField(default=DEFAULT_ESCALATE_AFTER_MINUTES)
    # Response-time targets: {type code: hours}; others get ``default_target_hours``.
    target_hours = models.JSONField(default=dict)
    default_target_hours = models.PositiveIntegerField(default=DEFAULT_TARGET_HOURS)
    # A receipt with the reference code to whoever texts in (triage.status_lookup.receipts).
    send_receipts = models.BooleanField(default=True, db_default=True)
    # Also by SMS to the staff phones people verified (accounts.phones), through one of
    # the project's channels that send SMS (``alerts.sms.SMS_KINDS``). Off by default.
    sms_enabled = models.BooleanField(default=False, db_default=False)
    sms_channel = models.ForeignKey(
        "intake.Channel", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "alert policies"

    def __str__(self) -> str:
        return f"alert policy of {self.project_id}"


class Alert(models.Model):
    """An urgent record, told to the people who should act on it. One per record: a task
    run twice makes it once (unique ``feedback``)."""

    class Cause(models.TextChoices):
        RULE = "rule", _("Matched a rule")
        URGENCY = "urgency", _("Urgency")
        SUGGESTION = "suggest", _("Suggested as urgent")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    feedback = models.OneToOneField("triage.Feedback", on_delete=models.CASCADE, related_name="+")
    cause = models.CharField(max_length=8, choices=Cause.choices)
    rule_ids = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The escalation sweep: open alerts, oldest first.
            models.Index(
                fields=["created_at"],
                condition=models.Q(acknowledged_at__isnull=True, escalated_at__isnull=True),
                name="alert_open_idx",
            )
        ]

    def __str__(self) -> str:
        return f"alert on {self.feedback_id}"


class Notification(models.Model):
    """An alert told to one person in the app: unread, read, acknowledged."""

    class Kind(models.TextChoices):
        ALERT = "alert", _("Urgent record")
        ESCALATION = "escalation", _("Not acknowledged in time")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="notifications")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "user", "kind"], name="notification_once_per_person"
            )
        ]
        indexes = [models.Index(fields=["user", "project", "-created_at"])]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"notification to {self.user_id}"


class StaffSms(models.Model):
    """An alert (or its escalation) texted to one person's verified staff phone: one per
    alert, person and kind (a task run twice sends once). Holds no number and no text:
    the number is opened from the person's ``StaffPhone`` and the words made in their
    language as it is sent (``alerts.sms``). States as the outbound messages' (intake)."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Not sent: the gateway refused it")
        CLOSED = "closed", _("Not sent: project closed")
        NO_PHONE = "no_phone", _("Not sent: no verified number")
        NO_CHANNEL = "no_channel", _("Not sent: no channel to send it")
        NOT_MEMBER = "not_member", _("Not sent: no longer a member")
        UNKNOWN = "unknown", _("Not known whether sent")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="sms")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Notification.Kind.choices)
    channel = models.ForeignKey(
        "intake.Channel", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    provider_message_id = models.CharField(max_length=128, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    attempt_id = models.UUIDField(null=True, blank=True)
    attempt_started_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "staff SMS"
        verbose_name_plural = "staff SMS"
        constraints = [
            models.UniqueConstraint(fields=["alert", "user", "kind"], name="staff_sms_once")
        ]

    def __str__(self) -> str:
        return f"staff SMS {self.pk} ({self.state})"
