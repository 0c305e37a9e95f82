"""An XLSForm (the form's own definition, as built for Kobo or ODK), read for its
choice lists: which question asks which list, single or multiple, and every choice's
labels per language. Used only to suggest recodes; nothing of it is stored.

``survey`` sheet: ``type`` (``select_one list``, ``select_multiple list``, also
``select_one_from_file``, ignored), ``name``; ``choices`` sheet: ``list_name`` (or
``list name``), ``name``, ``label`` and ``label::Language (code)`` columns.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field

from openpyxl import load_workbook

from responsemap.imports.reader import UnreadableFile

MAX_FORM_BYTES = 2 * 1024 * 1024


@dataclass
class XLSForm:
    # question name → (list name, multiple)
    questions: dict[str, tuple[str, bool]] = field(default_factory=dict)
    # list name → choice name → its labels (every language)
    choices: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def question(self, header: str) -> tuple[str, bool] | None:
        """The question a column holds: by its name, the last part of a group path."""
        name = header.strip().replace("\\\\", "/").split("/")[-1]
        return self.questions.get(name) or self.questions.get(name.casefold())

    def labels(self, header: str) -> dict[str, list[str]]:
        """Choice name (casefolded) → labels, for the column's question."""
        found = self.question(header)
        if found is None:
            return {}
        return {k.casefold(): v for k, v in self.choices.get(found[0], {}).items()}

    def is_multiple(self, header: str) -> bool:
        found = self.question(header)
        return bool(found and found[1])


def _rows(sheet: object) -> list[dict[str, str]]:
    rows = sheet.iter_rows(values_only=True)  # type: ignore[attr-defined]
    header = next(rows, None)
    if header is None:
        return []
    names = [str(h or "").strip().casefold() for h in header]
    return [
        {names[i]: str(v).strip() for i, v in enumerate(row) if i < len(names) and v is not None}
        for row in rows
    ]


def read_xlsform(data: bytes) -> XLSForm:
    if len(data) > MAX_FORM_BYTES:
        raise UnreadableFile("too_large")
    if not data.startswith(b"PK\x03\x04"):
        raise UnreadableFile("bad_xlsx")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise UnreadableFile("bad_xlsx") from None
    form = XLSForm()
    try:
        sheets = {str(s.title).strip().casefold(): s for s in book.worksheets}
        for row in _rows(sheets["survey"]) if "survey" in sheets else []:
            kind, name = row.get("type", "").split(), row.get("name", "")
            if len(kind) >= 2 and kind[0] in ("select_one", "select_multiple") and name:
                form.questions[name] = (kind[1], kind[0] == "select_multiple")
        for row in _rows(sheets["choices"]) if "choices" in sheets else []:
            list_name = row.get("list_name") or row.get("list name") or ""
            name = row.get("name", "")
            if not list_name or not name:
                continue
            labels = [v for k, v in row.items() if k.startswith("label") and v]
            form.choices.setdefault(list_name, {})[name] = labels
    except Exception:
        raise UnreadableFile("bad_xlsx") from None
    finally:
        book.close()
    return form
