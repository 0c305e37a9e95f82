"""The public page of a project: its settings, its releases (one calendar month's
figures, frozen when released) and the ledger of every table a release published.

Nothing here is personal data: settings are words a manager wrote for the public; a
release holds only published counts (a suppressed cell is stored as ``null``, its
value is never kept).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

MIN_THRESHOLD = 5
MIN_SENSITIVE_THRESHOLD = 10


class PublicPage(models.Model):
    """A project's public page: off until a manager turns it on."""

    project = models.OneToOneField(
        "projects.Project", on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    enabled = models.BooleanField(default=False)
    # Publishes nothing at all while on (the page says only that nothing is published).
    conflict_mode = models.BooleanField(default=False)
    threshold = models.PositiveSmallIntegerField(default=MIN_THRESHOLD)
    sensitive_threshold = models.PositiveSmallIntegerField(default=MIN_SENSITIVE_THRESHOLD)
    # Areas are counted at this administrative level (1 or 2; never finer).
    area_level = models.PositiveSmallIntegerField(default=1)
    purpose = models.TextField(blank=True)  # written for the public, shown as written
    partners = models.TextField(blank=True)  # one per line
    # Bumped by every change (settings, release, approval): the cache's key.
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"public page of {self.project_id}"


class Release(models.Model):
    """One calendar month's published figures. Released once and never recomputed: a
    second, different version of a month would give away its differences."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # the first day of the month
    released_at = models.DateTimeField()
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    threshold = models.PositiveSmallIntegerField()
    sensitive_threshold = models.PositiveSmallIntegerField()
    area_level = models.PositiveSmallIntegerField()
    # Protection figures are shown only once a protection specialist approved them.
    protection_approved_at = models.DateTimeField(null=True)
    protection_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "month"], name="public_release_once")
        ]
        ordering = ["month"]

    def __str__(self) -> str:
        return f"release {self.month:%Y-%m} of {self.project_id}"


class ReleasedTable(models.Model):
    """The release ledger: one published table, what it counts, its threshold and a
    hash of its published values (the defence against the mosaic effect: what was
    published when can always be listed and compared)."""

    class Family(models.TextChoices):
        GENERAL = "general"
        PROTECTION = "protection"

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="tables")
    name = models.CharField(max_length=32)
    family = models.CharField(max_length=12, choices=Family.choices)
    dimension = models.CharField(max_length=16)  # "all" for the total
    threshold = models.PositiveSmallIntegerField()
    # [[category, count or null], …]: published values only.
    cells = models.JSONField(default=list)
    values_hash = models.CharField(max_length=64)
    recorded_at = models.DateTimeField()
    # When it became visible to the public (protection tables: at their approval).
    published_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["release__month", "family", "name"]

    def __str__(self) -> str:
        return f"table {self.name} of {self.release_id}"


# The protected months every outside page reads, the public page's releases included
# (``analytics.protected``, migration 0008); imported here so they are this app's
# models, as these are (``analytics.models`` imports this module).
from responsemap.analytics.protected.models import ProtectedMonth  # noqa: E402

__all__ = ["ProtectedMonth", "PublicPage", "Release", "ReleasedTable"]
