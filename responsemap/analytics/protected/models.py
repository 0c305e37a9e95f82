"""The protected figures of a project's month, kept (``protected.months``).

Not personal data: a row holds counts as they are shown to outside viewers (a
suppressed one as ``null``, its value never kept) and a few sums over response times
from which only ratios are shown. Written as bookkeeping by whoever reads the month
first (ADR 0006); frozen by the public page's release of the month (an audited action).
"""

from __future__ import annotations

from django.db import models


class ProtectedMonth(models.Model):
    """One project × calendar month × audience, protected as one problem."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # the first day of the month
    # Who reads it: "outside" (the public page, donors, government counterparts, a
    # donor's row of the organisation view). One audience, so one set of suppressed
    # cells: two audiences shown different suppressions of the same counts could
    # difference them (ADR 0010).
    audience = models.CharField(max_length=16)
    # SHA-256 of what it was computed from (the month's counts from the rollups, the
    # areas' hierarchy, the thresholds): the rollups' version as far as this month goes.
    inputs_hash = models.CharField(max_length=64)
    # {cell key: count or null}: the published values only.
    cells = models.JSONField(default=dict)
    # Response-time sums (shown only as ratios, and only when their count is shown).
    stats = models.JSONField(default=dict)
    computed_at = models.DateTimeField()
    # Set when the public page released the month: never computed again.
    frozen_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "month", "audience"], name="protected_month_once"
            )
        ]

    def __str__(self) -> str:
        return f"protected {self.month:%Y-%m} of {self.project_id} ({self.audience})"
