from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from responsemap.protection.fields import EncryptedTextField


class Contact(models.Model):
    """A person who sent feedback, pseudonymous: the phone number is sealed, and found
    again only through its blind index."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    phone = EncryptedTextField()
    phone_index = models.CharField(max_length=64, blank=True, db_index=True)
    # For channels that address people by something other than a phone number
    # (a Telegram chat id): "telegram:12345", sealed and blind-indexed like the phone.
    handle = EncryptedTextField()
    handle_index = models.CharField(max_length=64, blank=True, db_index=True)
    name = EncryptedTextField()
    language = models.CharField(max_length=8, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    opted_out_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "phone_index"],
                condition=~models.Q(phone_index=""),
                name="contact_phone_unique",
            ),
            models.UniqueConstraint(
                fields=["project", "handle_index"],
                condition=~models.Q(handle_index=""),
                name="contact_handle_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"contact {str(self.pk)[:8]}"


class ConsentRecord(models.Model):
    class Basis(models.TextChoices):
        CONSENT = "consent", _("Consent")
        VITAL_INTEREST = "vital_interest", _("Vital interest")
        PUBLIC_INTEREST = "public_interest", _("Public interest")
        LEGITIMATE_INTEREST = "legitimate_interest", _("Legitimate interest")

    class Method(models.TextChoices):
        WRITTEN = "written", _("Written")
        VERBAL = "verbal", _("Verbal, certified by a staff member")
        AUDIO = "audio", _("Audio recording")
        SMS_NOTICE = "sms_notice", _("SMS notice")
        WEB_NOTICE = "web_notice", _("Web form notice")

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="consents"
    )
    given = models.BooleanField()
    legal_basis = models.CharField(max_length=24, choices=Basis.choices, default=Basis.CONSENT)
    method = models.CharField(max_length=16, choices=Method.choices)
    purposes = models.JSONField(default=list)
    notice_version = models.CharField(max_length=32, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"consent {self.pk} ({self.method})"


class IntakePolicy(models.Model):
    """Per-project intake rules, edited by the manager: extra opt-out words, ID patterns."""

    project = models.OneToOneField(
        "projects.Project", on_delete=models.CASCADE, related_name="intake_policy"
    )
    stop_words = models.JSONField(default=list, blank=True)
    start_words = models.JSONField(default=list, blank=True)
    id_patterns = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"intake policy of {self.project_id}"


class ConsentNotice(models.Model):
    """The purpose-and-consent notice sent to a new number, one per language; each edit is
    a new version so a consent record names exactly what the person was told."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=8)
    version = models.PositiveIntegerField()
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "language", "version"], name="notice_version_unique"
            )
        ]
        ordering = ["language", "-version"]

    def __str__(self) -> str:
        return f"notice {self.language} v{self.version}"

    @property
    def label(self) -> str:
        return f"{self.language}-v{self.version}"


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

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"


class InboundMessage(models.Model):
    """A message as received, stored before the gateway is answered."""

    class Kind(models.TextChoices):
        MESSAGE = "message", _("Message")
        OPT_OUT = "opt_out", _("Opt-out")
        OPT_IN = "opt_in", _("Opt-in")

    class State(models.TextChoices):
        RECEIVED = "received", _("Received")
        PROCESSED = "processed", _("Processed")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    # No index of its own: the unique (channel, provider_message_id) one serves lookups
    # by channel, and every inbound message would pay for a second one.
    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, related_name="inbound", db_index=False
    )
    provider_message_id = models.CharField(max_length=128)
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound"
    )
    text = EncryptedTextField()
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.MESSAGE)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RECEIVED)
    sent_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)
    meta = models.JSONField(default=dict, blank=True)
    # The first message from this contact (the contact was made with it): the worker
    # sends the consent notice when it processes the message.
    new_contact = models.BooleanField(default=False, db_default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "provider_message_id"], name="inbound_provider_id_unique"
            )
        ]
        indexes = [models.Index(fields=["state", "received_at"])]

    def __str__(self) -> str:
        return f"inbound {self.pk}"


class OutboundMessage(models.Model):
    """A message to send; the worker sends it, throttled per channel, retried with backoff."""

    class Purpose(models.TextChoices):
        REPLY = "reply", _("Reply")
        NOTICE = "notice", _("Consent notice")
        OPT_OUT_CONFIRMATION = "opt_out_confirm", _("Opt-out confirmation")
        OPT_IN_CONFIRMATION = "opt_in_confirm", _("Opt-in confirmation")
        ALERT = "alert", _("Alert")
        CAMPAIGN = "campaign", _("Campaign")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")
        BLOCKED = "blocked", _("Not sent: opted out")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="outbound")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="outbound")
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    text = EncryptedTextField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    provider_message_id = models.CharField(max_length=128, blank=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    in_reply_to = models.ForeignKey(
        InboundMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"outbound {self.pk} ({self.state})"


class ImportJob(models.Model):
    """A bulk import of a CSV or XLSX file (e.g. a KoboToolbox / ODK export).

    The uploaded file holds personal data, so its bytes are kept sealed with the project
    key (base64 text in ``content``) and wiped once the import has finished. Everything
    else on the row is free of personal data: header names, the column mapping, counts,
    and errors as (row number, column, reason code) — never a cell value.
    """

    class Kind(models.TextChoices):
        CSV = "csv", _("CSV")
        XLSX = "xlsx", _("Excel (XLSX)")

    class State(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        CHECKING = "checking", _("Checking")
        MAPPED = "mapped", _("Checked, ready to import")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Finished")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_name = models.CharField(max_length=255)
    file_kind = models.CharField(max_length=4, choices=Kind.choices)
    file_size = models.PositiveIntegerField(default=0)
    content = EncryptedTextField()
    headers = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(default=dict, blank=True)
    # Counts of the last dry run: {"ok": n, "existing": n, "failed": n}.
    dry_run = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.UPLOADED)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    # [{"row": 7, "column": "_submission_time", "reason": "bad_date"}, …]
    errors = models.JSONField(default=list, blank=True)
    failure_reason = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["project", "-created_at"])]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"import {str(self.pk)[:8]} ({self.state})"
