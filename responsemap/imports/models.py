from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# Pull sources live in their sub-package; Django finds models here.
from responsemap.imports.pull.models import PullSource  # noqa: F401
from responsemap.protection.fields import EncryptedTextField


class ImportJob(models.Model):
    """A bulk import of a CSV or XLSX file (e.g. a KoboToolbox / ODK export).

    The uploaded file holds personal data, so its bytes are kept sealed with the project
    key (base64 text in ``content``) and wiped once the import has finished. Its name
    and its header row are free text too (a name may name a person; a file without a
    header row has a respondent's words there), so they are sealed as well (ADR 0008):
    ``headers`` holds the JSON list of header names. The rest is coded: the column
    mapping (column numbers), counts, and errors as (row number, column number, reason
    code) — never a cell value or a header's text.
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
        # Uploaded and never started: its file deleted after a while (tasks.py).
        EXPIRED = "expired", _("Expired, file deleted")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_name = EncryptedTextField()
    file_kind = models.CharField(max_length=4, choices=Kind.choices)
    file_size = models.PositiveIntegerField(default=0)
    content = EncryptedTextField()
    headers = EncryptedTextField()  # JSON: ["name", "message", …]
    mapping = models.JSONField(default=dict, blank=True)
    # Counts of the last dry run: {"ok": n, "existing": n, "failed": n}.
    dry_run = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.UPLOADED)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    # [{"row": 7, "column": 3, "reason": "bad_date"}, …]: the column by its number in
    # ``headers`` (None when the problem is not a column's).
    errors = models.JSONField(default=list, blank=True)
    failure_reason = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # Born in intake; the table kept its name when imports became an app.
        db_table = "intake_importjob"
        indexes = [models.Index(fields=["project", "-created_at"])]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"import {str(self.pk)[:8]} ({self.state})"


# Saved mappings per form and repeat rows' links to their submission (imports/saved.py).
from responsemap.imports.form_models import SavedMapping, SubmissionLink  # noqa: E402

__all__ = ["ImportJob", "PullSource", "SavedMapping", "SubmissionLink"]
