"""Saved mappings per form, and applying one to rows: the way in for every source of
Kobo/ODK rows (an uploaded file, or a pull from the servers' APIs).

A mapping chosen on the screens names columns by their number in one file; saved, it
names them by header (``NamedMapping``), so the next export of the same form — columns
added, moved or dropped — gets it again. It is kept per form: by the form's id when
the file has one (``_xform_id_string``, ``formhub/uuid``; a pull knows its form's id),
else by its header names (``form_key``).

For a pull (or any list of rows as dicts)::

    saved = saved_mapping_for(project, form_key(project.pk, form_id="aBcD123"))
    named = open_saved(saved)                  # None if nothing is saved
    rows = apply_mapping(project, named, submissions)   # [ParsedRow]
    sink = FeedbackRowSink(project)
    for row in rows: ...                       # as tasks.run_import does

``apply_mapping`` reads rows exactly as an uploaded file's rows are read: same dates,
time zone, recodes, GPS, keys (a Kobo ``_uuid`` mapped as key makes a pulled row and
the same row in an uploaded export the same record).
"""

from __future__ import annotations

import json
from collections.abc import Mapping as MappingABC
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from responsemap.imports.form_models import SavedMapping
from responsemap.imports.mapping import Mapping, normalise_header, parse_rows
from responsemap.imports.reader import Cell, Table, _cell
from responsemap.imports.recodes import join_split_choices
from responsemap.imports.rows import ParsedRow
from responsemap.projects.models import Project
from responsemap.protection.keyring import blind_index
from responsemap.protection.present import open_for_system
from responsemap.protection.system_opens import SystemPurpose
from responsemap.protection.viewer import ProjectId

# Columns whose first value names the form (Kobo's exports; ODK has the form id in the
# file's name and in its API, not in a column).
FORM_ID_COLUMNS = ["_xform_id_string", "formhub/uuid", "formhub_uuid", "_xform_id"]


@dataclass(frozen=True)
class NamedMapping:
    """A mapping by header names: what is saved per form."""

    columns: dict[str, str]
    more_text: tuple[str, ...] = ()
    date_order: str = "dmy"
    time_zone: str = ""
    keep_phone: bool = False
    recodes: dict[str, dict[str, str]] = field(default_factory=dict)
    # Sheets of an XLSX by name: {"base": "Feedback", "with": ["comments"]}.
    sheets: dict[str, Any] = field(default_factory=dict)

    def for_headers(self, headers: Sequence[str]) -> Mapping:
        """The mapping by column numbers for a file with these headers: a column is
        found by its exact name, else by its last part (a group renamed); targets
        whose column is gone are left out."""
        exact = {h: i for i, h in reversed(list(enumerate(headers)))}
        loose = {normalise_header(h): i for i, h in reversed(list(enumerate(headers)))}

        def find(name: str) -> int | None:
            return exact.get(name, loose.get(normalise_header(name)))

        columns = {t: i for t, name in self.columns.items() if (i := find(name)) is not None}
        more = tuple(i for name in self.more_text if (i := find(name)) is not None)
        return Mapping(
            columns=columns,
            date_order=self.date_order,
            keep_phone=self.keep_phone,
            time_zone=self.time_zone,
            more_text=more,
            recodes=self.recodes,
        )

    @classmethod
    def of(
        cls, mapping: Mapping, headers: Sequence[str], sheets: Sequence[str] = ()
    ) -> NamedMapping:
        def name(i: int) -> str | None:
            return headers[i] if 0 <= i < len(headers) else None

        chosen: dict[str, Any] = {}
        if mapping.sheets and sheets:
            base = int(mapping.sheets.get("base", 0))
            chosen = {
                "base": sheets[base] if base < len(sheets) else "",
                "with": [sheets[i] for i in mapping.sheets.get("with", []) if i < len(sheets)],
            }
        return cls(
            columns={t: n for t, i in mapping.columns.items() if (n := name(i)) is not None},
            more_text=tuple(n for i in mapping.more_text if (n := name(i)) is not None),
            date_order=mapping.date_order,
            time_zone=mapping.time_zone,
            keep_phone=mapping.keep_phone,
            recodes=mapping.recodes,
            sheets=chosen,
        )

    def to_json(self) -> str:
        return json.dumps(
            {
                "columns": self.columns,
                "more_text": list(self.more_text),
                "date_order": self.date_order,
                "time_zone": self.time_zone,
                "keep_phone": self.keep_phone,
                "recodes": self.recodes,
                "sheets": self.sheets,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> NamedMapping:
        data = json.loads(text)
        return cls(
            columns={str(k): str(v) for k, v in (data.get("columns") or {}).items()},
            more_text=tuple(str(v) for v in data.get("more_text") or ()),
            date_order=str(data.get("date_order") or "dmy"),
            time_zone=str(data.get("time_zone") or ""),
            keep_phone=bool(data.get("keep_phone")),
            recodes={
                str(t): {str(k): str(v) for k, v in values.items()}
                for t, values in (data.get("recodes") or {}).items()
                if isinstance(values, dict)
            },
            sheets=dict(data.get("sheets") or {}),
        )


def form_id_of(table: Table) -> str:
    """The form's id from the first data row's ``_xform_id_string`` (or ``formhub/uuid``)."""
    folded = [h.strip().casefold() for h in table.headers]
    for name in FORM_ID_COLUMNS:
        if name in folded and table.rows:
            value = table.rows[0][1][folded.index(name)]
            if isinstance(value, str) and value.strip():
                return value.strip()
    return ""


def form_key(project_id: ProjectId, *, form_id: str = "", headers: Sequence[str] = ()) -> str:
    """The key a form's mapping is saved under: its id, else its header names (in any
    order; Kobo's meta columns left out as they come and go with export options)."""
    if form_id.strip():
        return "f:" + blind_index(project_id, "import.form", form_id.strip())
    names = sorted({h.strip().casefold() for h in headers if h.strip() and not h.startswith("_")})
    return "h:" + blind_index(project_id, "import.form", "\n".join(names))


def saved_mapping_for(project: Project, key: str) -> SavedMapping | None:
    return SavedMapping.objects.filter(project=project, form_key=key).first()


def open_saved(saved: SavedMapping | None) -> NamedMapping | None:
    """The saved mapping, opened for the import (system purpose: read an import)."""
    if saved is None:
        return None
    text = open_for_system(saved, "mapping", purpose=SystemPurpose.READ_IMPORT)
    return NamedMapping.from_json(text) if text else None


def _value(value: Any) -> Cell:
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime | date | time):
        return value
    return _cell(value)


def table_of(rows: Sequence[MappingABC[str, Any]], first_number: int = 2) -> Table:
    """Row dicts (header → value, as an API's JSON gives them) as a table: the headers
    in order of first appearance, numbers counted from ``first_number``."""
    headers: dict[str, None] = {}
    for row in rows:
        for name in row:
            headers.setdefault(str(name), None)
    names = list(headers)
    table = Table(headers=names)
    for offset, row in enumerate(rows):
        table.rows.append((first_number + offset, [_value(row.get(n)) for n in names]))
    return table


def apply_mapping(
    project: Project,
    named: NamedMapping,
    rows: Sequence[MappingABC[str, Any]],
    *,
    first_number: int = 2,
) -> list[ParsedRow]:
    """Rows as dicts → parsed rows, with a saved mapping and its recodes (select-
    multiple split columns joined as in a file). Then ``FeedbackRowSink`` checks and
    stores them, as for a file."""
    table = join_split_choices(table_of(rows, first_number))
    return parse_rows(project, table, named.for_headers(table.headers))


def __getattr__(name: str) -> Any:
    """``do_save_mapping`` is an action (``imports.actions``); still importable here."""
    if name == "do_save_mapping":
        from responsemap.imports.actions import do_save_mapping

        return do_save_mapping
    raise AttributeError(name)
