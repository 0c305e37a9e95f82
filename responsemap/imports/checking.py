"""Reading a job's file with its mapping, and the dry run: every row checked, nothing
written. The import task uses the same steps, so the dry run predicts the import."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from responsemap.imports.feedback_rows import FeedbackRowSink
from responsemap.imports.mapping import Mapping, parse_rows
from responsemap.imports.models import ImportJob
from responsemap.imports.reader import Table, UnreadableFile, read_tables
from responsemap.imports.rows import ParsedRow, Problem
from responsemap.imports.sheets import chosen
from responsemap.protection.present import open_for_system
from responsemap.protection.system_opens import SystemPurpose

# Beyond this many, errors are counted but not listed (fix these, import again).
MAX_LISTED_ERRORS = 10_000


def job_table(job: ImportJob) -> Table:
    """The job's file as the import reads it: its sheets combined as chosen."""
    sheets = Mapping.from_json(job.mapping or {}).sheets
    tables = read_tables(
        job.file_kind, job_file(job), only_first=not sheets.get("with") and not sheets.get("base")
    )
    return chosen(tables, sheets)


def job_file(job: ImportJob) -> bytes:
    encoded = open_for_system(job, "content", purpose=SystemPurpose.READ_IMPORT)
    if not encoded:
        raise UnreadableFile("file_gone")
    return base64.b64decode(encoded)


def error_entries(
    row: ParsedRow, problems: list[Problem], job: ImportJob, mapping: Mapping
) -> list[dict[str, Any]]:
    """{row, column, reason} for each problem: the column by its number in the file's
    headers (which are sealed: a header may be a respondent's words), never a value."""
    return [
        {"row": row.number, "column": mapping.columns.get(problem.field), "reason": problem.reason}
        for problem in problems
    ]


@dataclass
class DryRun:
    ok: int = 0
    existing: int = 0
    failed: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def add_errors(self, entries: list[dict[str, Any]]) -> None:
        room = MAX_LISTED_ERRORS - len(self.errors)
        if room > 0:
            self.errors.extend(entries[:room])

    def counts(self) -> dict[str, int]:
        return {"ok": self.ok, "existing": self.existing, "failed": self.failed}


def dry_run(job: ImportJob, mapping: Mapping, table: Table) -> DryRun:
    result = DryRun()
    rows = parse_rows(job.project, table, mapping)
    sink = FeedbackRowSink(job.project)
    existing = sink.already_imported(r.key for r in rows if r.key and not r.problems)
    for row in rows:
        problems = row.problems
        if not problems and row.key in existing:
            result.existing += 1
            continue
        problems = problems + sink.check(row)
        if problems:
            result.failed += 1
            result.add_errors(error_entries(row, problems, job, mapping))
        else:
            result.ok += 1
            # What the row leaves out: listed, the row imported all the same.
            result.add_errors(error_entries(row, sink.notes(row), job, mapping))
    return result
