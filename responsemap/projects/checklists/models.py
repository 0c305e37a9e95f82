"""The answers to a project's data-protection checklists: every save is a new version,
never an edit, so what was approved stays as it was approved."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ChecklistVersion(models.Model):
    """One saved set of answers to one checklist of one project.

    ``answers`` maps each question's code to "yes", "no" or "na" (coded, in clear);
    ``notes`` maps a question's code to how it is met. The notes describe the project's
    safeguards and hold no personal data (the form says so), like the project's purpose.
    """

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    checklist = models.SlugField(max_length=32)
    version = models.PositiveIntegerField()
    answers = models.JSONField(default=dict)
    notes = models.JSONField(default=dict, blank=True)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    saved_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "checklist", "version"], name="checklist_version_once"
            )
        ]
        ordering = ["checklist", "-version"]

    def __str__(self) -> str:
        return f"{self.checklist} v{self.version} of {self.project_id}"
