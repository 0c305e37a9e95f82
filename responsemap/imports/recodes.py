"""Recoding: the file's choice values mapped to the project's codes.

A form's choice list has its own names (``nfi``, ``feedback``, ``kreyol``, ``so``) and
labels per language. On the recoding screen each value of a mapped coded column gets a
code of the project (its coding framework for type and sector, the fixed lists for the
others, a language code for the language), or "leave empty". Suggestions come from
the words the import already knows, then from the XLSForm's labels when the person
gives the form (``xlsform.py``).

Select-multiple answers are space-separated choice names (``"wash food"``), or split
into one column per choice (``q/wash`` = 1/0, Kobo's "split select multiples"); the
split columns are put back into one (``join_split_choices``). A record has one type
and one sector: the first of the answers that has a code is kept.

Recodes are stored as {target: {value (casefolded): code or ""}}; "" is "leave
empty". Only columns with few distinct short values are offered (a choice list, not
free text), so the screen never lists what a person wrote.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from responsemap.imports.reader import Cell, Table

CODED = [
    "type_code",
    "sector",
    "urgency",
    "gender",
    "age_band",
    "disability",
    "displacement",
    "language",
]
MAX_VALUES = 60
MAX_VALUE_LENGTH = 64
LEAVE_EMPTY = ""

# Language names and codes seen in survey exports that Django's list lacks.
LANGUAGE_WORDS = {
    "kreyol": "ht",
    "kreyòl": "ht",
    "creole": "ht",
    "haitian creole": "ht",
    "haitian": "ht",
    "kreyol ayisyen": "ht",
    "kreyòl ayisyen": "ht",
    "somali": "so",
    "soomaali": "so",
    "af soomaali": "so",
    "so": "so",
    "hausa": "ha",
    "ha": "ha",
    "fulfulde": "ff",
    "fulani": "ff",
    "ff": "ff",
    "pashto": "ps",
    "ps": "ps",
    "dari": "prs",
    "prs": "prs",
    "tigrinya": "ti",
    "ti": "ti",
    "amharic": "am",
    "am": "am",
    "oromo": "om",
    "afaan oromoo": "om",
    "om": "om",
    "lingala": "ln",
    "ln": "ln",
    "kinyarwanda": "rw",
    "rw": "rw",
    "kirundi": "rn",
    "rn": "rn",
    "kanuri": "kr",
    "kr": "kr",
    "rohingya": "rhg",
    "rhg": "rhg",
    "kurdish": "ku",
    "kurmanji": "ku",
    "ku": "ku",
    "sorani": "ckb",
    "swahili": "sw",
    "kiswahili": "sw",
    "arabe": "ar",
    "arabic": "ar",
    "anglais": "en",
    "francais": "fr",
    "français": "fr",
    "french": "fr",
    "english": "en",
    "espagnol": "es",
    "spanish": "es",
    "español": "es",
    "عربي": "ar",
    "العربية": "ar",
    "الفرنسية": "fr",
    "الإنجليزية": "en",
}

Recodes = dict[str, dict[str, str]]


def norm_value(value: str) -> str:
    return " ".join(value.strip().casefold().split())


def _cell_text(cell: Cell) -> str:
    return cell.strip() if isinstance(cell, str) else str(cell)


def choice_values(table: Table, column: int, multiple: bool = False) -> list[str] | None:
    """The distinct values of a column, in order of first use; None if it doesn't look
    like a choice list (too many values, or long ones). Select-multiple answers
    (``multiple``, from the XLSForm) are split into their choices; without the form, a
    value made of values seen alone (``"wash food"``) is left out."""
    seen: dict[str, None] = {}
    for _number, cells in table.rows:
        if column >= len(cells):
            continue
        text = norm_value(_cell_text(cells[column]))
        if not text:
            continue
        for part in text.split() if multiple else [text]:
            if len(part) > MAX_VALUE_LENGTH:
                return None
            seen.setdefault(part, None)
        if len(seen) > MAX_VALUES * 2:
            return None
    values = [v for v in seen if " " not in v or not all(p in seen for p in v.split())]
    return values if len(values) <= MAX_VALUES else None


def recode(target: str, raw: str, recodes: Recodes) -> str:
    """The code for ``raw`` by the recodes; ``raw`` itself when none applies (the
    import's own words then try); "" when the person chose to leave it empty."""
    table = recodes.get(target)
    if not table or not raw.strip():
        return raw
    whole = norm_value(raw)
    if whole in table:
        return table[whole]
    parts = whole.split()
    if len(parts) > 1 and any(p in table for p in parts):
        codes = [table[p] for p in parts if p in table]
        return next((c for c in codes if c), LEAVE_EMPTY)
    return raw


def suggest(
    values: Iterable[str],
    to_code: Callable[[str], str | None],
    labels: dict[str, list[str]] | None = None,
) -> dict[str, str | None]:
    """Value → the code ``to_code`` finds for it or, failing that, for one of its labels
    (from the XLSForm); None where nothing fits (the person chooses)."""
    found: dict[str, str | None] = {}
    for value in values:
        code = to_code(value)
        for label in (labels or {}).get(value, []):
            if code is not None:
                break
            code = to_code(label)
        found[value] = code
    return found


_TRUE = {"1", "true", "yes", "1.0"}
_FALSE = {"0", "false", "no", "0.0", ""}


def _split_options(table: Table) -> dict[str, list[tuple[int, str]]]:
    groups: dict[str, list[tuple[int, str]]] = {}
    for index, header in enumerate(table.headers):
        if "/" in header:
            prefix, option = header.rsplit("/", 1)
            if option and not option.startswith("_"):
                groups.setdefault(prefix, []).append((index, option))
    return groups


def split_groups(table: Table) -> list[str]:
    """The questions whose select-multiple answers are split into one column per
    option (``q/opt`` holding 1 or 0, every cell) and have no column ``q`` of their own
    — judged on the rows at hand (an upload reads the first rows of an XLSX)."""
    folded = {h.strip().casefold() for h in table.headers}
    found = []
    for prefix, options in _split_options(table).items():
        if len(options) < 2 or prefix.strip().casefold() in folded:
            continue
        cells = [_cell_text(row[i]).casefold() for _n, row in table.rows for i, _o in options]
        if cells and all(c in _TRUE | _FALSE for c in cells) and any(c in _TRUE for c in cells):
            found.append(prefix)
    return found


def join_split_choices(table: Table, prefixes: Iterable[str] | None = None) -> Table:
    """A column ``q`` for each split question (``prefixes``, else ``split_groups``)
    with the chosen options' names, space-separated, as the unsplit export has it."""
    groups = _split_options(table)
    wanted = [p for p in (split_groups(table) if prefixes is None else prefixes) if p in groups]
    if not wanted:
        return table
    out = Table(
        headers=[*table.headers, *wanted],
        hxl=[*table.hxl, *[""] * len(wanted)] if table.hxl else [],
        name=table.name,
        own_columns=table.own_columns,
    )
    for number, cells in table.rows:
        extra = [
            " ".join(o for i, o in groups[p] if _cell_text(cells[i]).casefold() in _TRUE)
            for p in wanted
        ]
        out.rows.append((number, [*cells, *extra]))
    return out


def language_word(value: str) -> str | None:
    return LANGUAGE_WORDS.get(re.sub(r"[_\-]+", " ", norm_value(value)))


def needs_recoding(mapping: Any) -> bool:
    """A coded field is matched to a column: its values are recoded before the check."""
    return any(target in mapping.columns for target in CODED)
