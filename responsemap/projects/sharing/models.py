"""Partner organisations, their users, and the data-sharing agreements a project signs
with them (issue 10, point 8).

An agreement says what may be shared with a partner, for what purpose and for how long:
the fields of a record (``fields_allowed``: catalogue names of ``triage.Feedback``), the
categories it covers (types and sectors), and the days it holds (``valid_from`` to
``valid_to``, both included). Nothing else gives a partner user anything: the role
``partner`` has no permission of its own, and ``triage.referrals`` shows a partner only
records referred to it under an agreement active today. Revoking is a date, not a
delete, so the disclosure log keeps what was shared under it.

Editing an agreement makes a new version (``AgreementVersion``): the agreement's row
holds the terms in force (what every partner output reads, so a narrowing takes effect
on the next request), each version keeps its own terms, who changed them, when and why
(the reason sealed under the project key). Version 1 is the agreement as created.

In clear: everything here is about organisations and their paperwork, not about people
who gave feedback. A revocation's reason is free text, so it lives only in the audit
event (sealed there).
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from responsemap.protection.fields import EncryptedTextField

# The role of a partner organisation's users (``accounts.permissions``: no permission of
# its own; what they see comes from the agreements of their partner).
PARTNER_ROLE = "partner"


class Partner(models.Model):
    """An organisation the project may refer feedback to."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="partner_name_unique")
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PartnerUser(models.Model):
    """A project member (role ``partner``) who works for a partner: one partner each."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="users")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="partner_user_unique")
        ]

    def __str__(self) -> str:
        return f"user {self.user_id} of {self.partner_id}"


def active_on(day: datetime.date) -> Q:
    """The agreements in force on ``day``: within their dates, not revoked."""
    return Q(valid_from__lte=day, valid_to__gte=day, revoked_at__isnull=True)


class DataSharingAgreement(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="agreements")
    purpose = models.CharField(max_length=300)
    # The reference of the signed document ("DSA-2026-014"), where the paper is filed.
    document_reference = models.CharField(max_length=100)
    fields_allowed = models.JSONField(default=list)
    types_allowed = models.JSONField(default=list)
    sectors_allowed = models.JSONField(default=list)
    valid_from = models.DateField()
    valid_to = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The number of the version in force (``AgreementVersion``); an edit moves it on
    # with ``UPDATE … WHERE version = <the one seen>``.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        indexes = [models.Index(fields=["project", "partner", "valid_to"])]
        ordering = ["-valid_to", "document_reference"]

    def __str__(self) -> str:
        return f"{self.document_reference} ({self.partner})"

    def is_active_on(self, day: datetime.date) -> bool:
        return self.revoked_at is None and self.valid_from <= day <= self.valid_to

    def covers(self, type_code: str, sector: str) -> bool:
        """Whether a record of this type and sector may be referred under it."""
        return type_code in self.types_allowed and sector in self.sectors_allowed


# The terms an edit may change (and every version keeps).
AGREEMENT_TERMS = (
    "purpose",
    "document_reference",
    "valid_from",
    "valid_to",
    "fields_allowed",
    "types_allowed",
    "sectors_allowed",
)


class AgreementVersion(models.Model):
    """One version of an agreement's terms, kept when a later edit replaces them."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    agreement = models.ForeignKey(
        DataSharingAgreement, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField()
    purpose = models.CharField(max_length=300)
    document_reference = models.CharField(max_length=100)
    fields_allowed = models.JSONField(default=list)
    types_allowed = models.JSONField(default=list)
    sectors_allowed = models.JSONField(default=list)
    valid_from = models.DateField()
    valid_to = models.DateField()
    # From this moment on these terms were in force (until the next version's).
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The name shown for who changed it, kept if the account goes.
    changed_by_label = models.CharField(max_length=150, blank=True)
    # Why it changed (free text a manager wrote: sealed); none for version 1.
    reason = EncryptedTextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="agreement_version_unique")
        ]
        ordering = ["agreement", "-number"]

    def __str__(self) -> str:
        return f"version {self.number} of {self.agreement_id}"


def version_at(
    versions: list[AgreementVersion], when: datetime.datetime
) -> AgreementVersion | None:
    """The version in force at ``when`` among one agreement's ``versions``: the newest
    one changed at or before it (the first one for anything older)."""
    chosen = None
    for version in sorted(versions, key=lambda v: v.number):
        if chosen is None or version.changed_at <= when:
            chosen = version
    return chosen
