"""What destruction keeps: legal holds (until the project is gone), the state of a run
(so it resumes after a crash) and the project's non-personal aggregates."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from responsemap.protection.fields import EncryptedTextField


class LegalHold(models.Model):
    """A reason the project's data must be kept past its retention period (a court
    order, an inquiry): while one stands, nothing destroys the project. Its reason is
    sealed under the project key (it may name a case or a person)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="legal_holds"
    )
    reason = EncryptedTextField()
    # The person who answers for the hold and is asked before it is lifted.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    expires_on = models.DateField()
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    placed_at = models.DateTimeField()
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-placed_at"]
        verbose_name = _("legal hold")

    def __str__(self) -> str:
        return f"legal hold on {self.project_id} until {self.expires_on}"


class DestructionRun(models.Model):
    """One project's destruction, step by step; each batch commits with it, so a run
    killed half-way goes on from here (``purge.continue_destruction``)."""

    class Step(models.TextChoices):
        KEY = "key", _("Destroying the key")
        AGGREGATES = "aggregates", _("Counting what is kept")
        ROWS = "rows", _("Removing the records")
        CHAIN = "chain", _("Removing the audit trail")
        FILES = "files", _("Removing files and caches")
        CERTIFICATE = "certificate", _("Writing the certificate")
        DONE = "done", _("Destroyed")

    class Approval(models.TextChoices):
        RETENTION = "retention", _("Retention period ended")
        OPERATOR = "operator", _("Operator's decision")

    project = models.OneToOneField(
        "projects.Project", on_delete=models.PROTECT, primary_key=True, related_name="+"
    )
    step = models.CharField(max_length=16, choices=Step.choices, default=Step.KEY)
    approval = models.CharField(max_length=16, choices=Approval.choices)
    approved_by = models.CharField(max_length=150)
    approved_by_id = models.BigIntegerField(null=True, blank=True)
    started_at = models.DateTimeField()
    key_destroyed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    key_id = models.CharField(max_length=64, blank=True)
    key_fingerprint = models.CharField(max_length=64, blank=True)
    key_versions = models.PositiveIntegerField(default=0)
    # Rows removed so far, per model (``app.model``), written with each batch.
    counts = models.JSONField(default=dict, blank=True)
    files = models.PositiveIntegerField(default=0)
    chain_events = models.PositiveBigIntegerField(default=0)
    chain_final_hash = models.CharField(max_length=64, blank=True)
    certificate_uid = models.UUIDField(null=True, blank=True)

    class Meta:
        verbose_name = _("destruction run")

    def __str__(self) -> str:
        return f"destruction of {self.project_id}: {self.step}"


class ProjectAggregate(models.Model):
    """A count the project leaves behind: rows of one kind in one month, all or by one
    coded field's value. No text, no id; a count under the threshold is kept as None
    ("fewer than N") so a rare case can't single anyone out."""

    id = models.BigAutoField(primary_key=True)
    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=100)
    month = models.DateField()
    dimension = models.CharField(max_length=64, blank=True)
    value = models.CharField(max_length=64, blank=True)
    count = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "kind", "month", "dimension", "value"],
                name="project_aggregate_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.month:%Y-%m} {self.dimension}={self.value}: {self.count}"
