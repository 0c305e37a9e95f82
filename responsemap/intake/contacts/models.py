"""Contacts: pseudonymous people behind phone numbers or handles, their consent and
the notices they were shown, and the project's opt-out rules."""

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
    # Consent withdrawn on request (triage.rights): nothing is sent to them any more,
    # whatever the purpose, and a new message does not undo it (unlike an opt-out).
    consent_withdrawn_at = models.DateTimeField(null=True, blank=True)
    # Erased on request: the sealed values and the blind indexes are cleared first
    # (the tombstone), then the row is purged.
    erased_at = models.DateTimeField(null=True, blank=True)

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
        # A child's own agreement, with the consent of a parent or guardian.
        ASSENT = "assent_guardian", _("A child's assent, with a guardian's consent")

    class Purpose(models.TextChoices):
        """What a person may agree to, each on its own (intake.contacts.consent)."""

        RESPOND = "respond", _("Being answered")
        FOLLOW_UP = "follow_up_surveys", _("Follow-up surveys")
        SHARE = "share_with_partners", _("Referral to partner organisations")
        PUBLISH = "publish_aggregates", _("Publication in aggregate figures")

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
    # Verbal consent: the staff witness's name; a recording: where it is kept; a child's
    # assent: the guardian who consented. All sealed.
    witness_name = EncryptedTextField()
    audio_reference = EncryptedTextField()
    guardian_name = EncryptedTextField()

    def __str__(self) -> str:
        return f"consent {self.pk} ({self.method})"


class IntakePolicy(models.Model):
    """Per-project intake rules, edited by the manager: extra opt-out words, and what
    redaction needs (ID patterns, extra cue words after which a name follows, words never
    removed as names)."""

    project = models.OneToOneField(
        "projects.Project", on_delete=models.CASCADE, related_name="intake_policy"
    )
    stop_words = models.JSONField(default=list, blank=True)
    start_words = models.JSONField(default=list, blank=True)
    id_patterns = models.JSONField(default=list, blank=True)
    redaction_cue_words = models.JSONField(default=list, blank=True)
    redaction_keep_words = models.JSONField(default=list, blank=True)
    # Compared by the inbound statement and the worker, so a change applies at the next
    # message in every process (nothing is cached for a fixed time).
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"intake policy of {self.project_id}"


class IdPatternTimeout(models.Model):
    """How often one of the project's ID patterns ran out of its time on a message, which
    was then redacted without it (``protection.redaction.patterns``): a count and when,
    for the manager's warning; never the message."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    pattern = models.TextField()
    count = models.PositiveIntegerField(default=0)
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "pattern"], name="id_pattern_timeout_unique")
        ]

    def __str__(self) -> str:
        return f"ID pattern timeouts of {self.project_id}"


class ConsentNotice(models.Model):
    """The purpose-and-consent notice sent to a new number, one per language; each edit is
    a new version so a consent record names exactly what the person was told."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=8)
    version = models.PositiveIntegerField()
    text = models.TextField()
    # What the notice says on sharing (with whom, for what) and on the person's rights
    # (to see, correct, erase, withdraw): shown with the text on the public form.
    sharing = models.TextField(blank=True)
    rights = models.TextField(blank=True)
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
