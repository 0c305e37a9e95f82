"""What the import screens may show of an import job.

The file's content is not catalogued: no screen shows it. Its name may name a person
or a place ("interviews Jean camp 3.csv") and its header row may be a respondent's
words (a file without one), so both are sealed (opened for those who may import,
without a reveal) and confidential. Counts and errors (row number, column number,
reason code) hold no cell's value.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from responsemap.imports.models import ImportJob, SavedMapping, SubmissionLink
from responsemap.imports.queries import IMPORT_PERMISSION
from responsemap.protection.catalogue import Classification, FieldPolicy, declare

C = Classification
declare(
    ImportJob,
    [
        FieldPolicy("file_name", _("File"), C.CONFIDENTIAL, IMPORT_PERMISSION),
        FieldPolicy("file_kind", _("Kind"), C.INTERNAL),
        FieldPolicy("file_size", _("Size"), C.INTERNAL),
        FieldPolicy("headers", _("Columns"), C.CONFIDENTIAL, IMPORT_PERMISSION),
        FieldPolicy("mapping", _("Column matching"), C.INTERNAL),
        FieldPolicy("dry_run", _("Check"), C.INTERNAL),
        FieldPolicy("state", _("State"), C.INTERNAL),
        FieldPolicy("total", _("Rows"), C.INTERNAL),
        FieldPolicy("processed", _("Processed"), C.INTERNAL),
        FieldPolicy("created", _("Created"), C.INTERNAL),
        FieldPolicy("skipped", _("Skipped"), C.INTERNAL),
        FieldPolicy("failed", _("Failed"), C.INTERNAL),
        FieldPolicy("errors", _("Problems"), C.INTERNAL),
        FieldPolicy("failure_reason", _("Why it stopped"), C.INTERNAL),
        FieldPolicy("created_by", _("Uploaded by"), C.INTERNAL),
        FieldPolicy("created_at", _("Uploaded"), C.INTERNAL),
        FieldPolicy("started_at", _("Started"), C.INTERNAL),
        FieldPolicy("finished_at", _("Finished"), C.INTERNAL),
    ],
)
declare(
    SavedMapping,
    [
        # Header names and choice values of a form: sealed like the job's headers.
        FieldPolicy("mapping", _("Column matching"), C.CONFIDENTIAL, IMPORT_PERMISSION),
        FieldPolicy("form_key", _("Form"), C.INTERNAL),
        FieldPolicy("updated_by", _("Saved by"), C.INTERNAL),
        FieldPolicy("updated_at", _("Saved"), C.INTERNAL),
    ],
)
declare(
    SubmissionLink,
    [FieldPolicy("submission_key", _("Submission"), C.INTERNAL)],
)
