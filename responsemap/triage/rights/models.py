"""Data-subject requests: a person asks to see, correct or erase what the project holds
about them, or withdraws their consent. Each request is tracked from the day it was
received to its deadline; the person is found by phone number (blind index: the
number typed is never stored) or by a record's reference code."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from responsemap.protection.fields import EncryptedTextField


class RequestKind(models.TextChoices):
    ACCESS = "access", _("See what is held (export)")
    RECTIFY = "rectify", _("Correct their details")
    ERASE = "erase", _("Erase their data")
    WITHDRAW = "withdraw", _("Withdraw consent")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    REFUSED = "refused", _("Refused")


class SubjectRequest(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=RequestKind.choices)
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    received_at = models.DateTimeField()
    due_at = models.DateTimeField()
    # The person: SET_NULL, so an erased person's request stays, naming no one.
    contact = models.ForeignKey(
        "intake.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The reference code the person gave, when found by one (a code, not personal).
    reference = models.CharField(max_length=12, blank=True)
    language = models.CharField(max_length=8, blank=True)
    # What the person asked, in the handler's words: sealed.
    note = EncryptedTextField()
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    # What was done, as counts only ("records": 3, "messages": 5): never content.
    outcome = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["project", "status", "due_at"])]
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"subject request {str(self.pk)[:8]}"
