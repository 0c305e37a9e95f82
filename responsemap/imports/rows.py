"""What a row becomes once read with a mapping, and the reasons a row or file is refused.

Reasons are codes, stored on the job and turned into words only when shown, so the
error report is in the reader's language and never carries a cell's value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _


class Reason:
    EMPTY_TEXT = "empty_text"
    TEXT_TOO_LONG = "text_too_long"
    BAD_DATE = "bad_date"
    FUTURE_DATE = "future_date"
    BAD_PHONE = "bad_phone"
    BAD_LANGUAGE = "bad_language"
    UNKNOWN_AREA = "unknown_area"
    AMBIGUOUS_AREA = "ambiguous_area"
    UNKNOWN_CODE = "unknown_code"
    MISSING_KEY = "missing_key"
    DUPLICATE_KEY = "duplicate_key"
    DUPLICATE_ROW = "duplicate_row"
    NOT_STORED = "not_stored"
    MISSING_DATE = "missing_date"
    # Notes: the row is imported, without this value.
    LEFT_EMPTY = "left_empty"
    BAD_GPS = "bad_gps"


# Reasons that don't stop a row: an optional value that doesn't fit is left empty.
NOTES = {Reason.LEFT_EMPTY, Reason.BAD_GPS}


ROW_PROBLEMS = {
    Reason.EMPTY_TEXT: _("The message text is empty."),
    Reason.TEXT_TOO_LONG: _("The message text is longer than 5,000 characters."),
    Reason.BAD_DATE: _("The date or time can't be read."),
    Reason.FUTURE_DATE: _("The date is in the future or before 2000."),
    Reason.BAD_PHONE: _("This is not a phone number we can read."),
    Reason.BAD_LANGUAGE: _("Unknown language."),
    Reason.UNKNOWN_AREA: _("No area of this project has this P-code or name."),
    Reason.AMBIGUOUS_AREA: _("Several areas have this name: use the P-code."),
    Reason.UNKNOWN_CODE: _("Not one of the allowed values."),
    Reason.MISSING_KEY: _("The row key is empty."),
    Reason.DUPLICATE_KEY: _("The same row key is on an earlier row of the file."),
    Reason.DUPLICATE_ROW: _("The same row is earlier in the file."),
    Reason.NOT_STORED: _("The row could not be stored."),
    Reason.MISSING_DATE: _("The date is empty (give a date for rows without one)."),
    Reason.LEFT_EMPTY: _(
        "Not one of the project's values: left empty, the row is imported (recode it to keep it)."
    ),
    Reason.BAD_GPS: _("This GPS point can't be read: imported without a position."),
}

FILE_PROBLEMS = {
    "too_large": _("The file is larger than 10 MB. Split it into smaller files."),
    "too_many_rows": _("The file has more than 50,000 rows. Split it into smaller files."),
    "too_many_columns": _("The file has more than 500 columns."),
    "empty": _("The file is empty."),
    "no_header": _("The first row must hold the column names."),
    "no_rows": _("The file has column names but no rows."),
    "bad_csv": _("This is not a CSV file we can read."),
    "bad_xlsx": _("This is not an Excel (XLSX) file we can read."),
    "old_excel": _("Old Excel files (.xls) can't be read: save it as .xlsx or CSV."),
    "unknown_kind": _("Upload a .csv or .xlsx file."),
    "no_file": _("Choose a file to upload."),
    # Why a running import stopped as a whole.
    "not_allowed": _("The person who started this import may no longer enter feedback."),
    "file_gone": _("The uploaded file can no longer be read."),
}


def describe(reason: str) -> str:
    label = ROW_PROBLEMS.get(reason) or FILE_PROBLEMS.get(reason)
    return str(label) if label else reason


@dataclass(frozen=True)
class Problem:
    """A problem with one target field of a row (``field`` is a target name such as
    "received_at", or "" for the whole row)."""

    field: str
    reason: str


@dataclass
class ParsedRow:
    """One data row, read with a mapping into neutral values.

    ``values`` holds: content (str), received_at (aware datetime or None), phone (E.164
    or ""), language (str), lat and lon (floats or None), and the raw text (recoded)
    of area_pcode, area_name, type_code, sector, urgency, gender, age_band,
    disability, displacement ("" when not given).
    ``key`` is the row's stable import key (a keyed hash, never a cell value).
    """

    number: int
    key: str
    values: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)
    # What was left out of a row that is imported all the same (``NOTES``).
    notes: list[Problem] = field(default_factory=list)
    # A repeat row's submission, as the submission's own record is keyed ("" if none).
    parent_key: str = ""


class RowRejected(Exception):
    """A row that can't be stored, with what is wrong with it."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(", ".join(p.reason for p in problems))
        self.problems = problems
