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
            )
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
