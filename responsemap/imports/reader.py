"""Read an uploaded CSV or XLSX file into a header row and data rows.

Nothing here knows about feedback: a table is header names and cells. Limits are
checked while reading, so an oversized or hostile file (a zip bomb posing as XLSX)
is refused before it costs much memory.
"""

from __future__ import annotations

import codecs
import csv
import io
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from openpyxl import load_workbook

from responsemap.imports.hxl import is_tag_row

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
MAX_COLUMNS = 500
# An XLSX file is a zip; refuse one that unpacks to more than this.
MAX_UNPACKED_BYTES = 150 * 1024 * 1024
DELIMITERS = ",;\t|"
# Rows an XLSX upload reads of each sheet: the form's id, and which split columns
# hold 0/1 answers (``recodes.split_groups``); the check reads them all.
PREVIEW_ROWS = 20

Cell = str | datetime | date | time


class UnreadableFile(ValueError):
    """The file can't be imported; ``code`` names why (see ``FILE_PROBLEMS``)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class Table:
    headers: list[str]
    # (row number as a spreadsheet shows it — the header is row 1 —, cells)
    rows: list[tuple[int, list[Cell]]] = field(default_factory=list)
    # The HXL tag row under the header (``#date``, ``#adm1+name``…), not a data row.
    hxl: list[str] = field(default_factory=list)
    name: str = ""  # the XLSX sheet's name ("" for a CSV)
    # Sheets read together (``sheets.combine``): how many columns, from the first, are
    # the base sheet's own (the others come from other sheets); None: all.
    own_columns: int | None = None


@dataclass
class Preview:
    """What the upload needs: every sheet's header (a CSV: one), its HXL tags and first
    data row (a form id is read from it), and the row count when known."""

    tables: list[Table]
    rows: int | None


def kind_for(file_name: str, head: bytes) -> str:
    """ "csv" or "xlsx" from the name, checked against the first bytes."""
    name = file_name.lower()
    if name.endswith(".xlsx"):
        if not head.startswith(b"PK\x03\x04"):
            raise UnreadableFile("bad_xlsx")
        return "xlsx"
    if name.endswith(".xls"):
        raise UnreadableFile("old_excel")
    if name.endswith((".csv", ".tsv", ".txt")):
        if head.startswith(b"PK\x03\x04"):
            raise UnreadableFile("bad_csv")
        return "csv"
    raise UnreadableFile("unknown_kind")


def read_table(kind: str, data: bytes) -> Table:
    """The first (or only) sheet."""
    return read_tables(kind, data, only_first=True)[0]


def read_tables(kind: str, data: bytes, *, only_first: bool = False) -> list[Table]:
    """Every sheet of an XLSX (a CSV: its one table). The first must have rows; the
    others (Kobo's repeat groups) may be empty."""
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableFile("too_large")
    if not data.strip():
        raise UnreadableFile("empty")
    tables = _read_xlsx(data, only_first) if kind == "xlsx" else [_read_csv(data)]
    if not any(tables[0].headers):
        raise UnreadableFile("no_header")
    if not tables[0].rows:
        raise UnreadableFile("no_rows")
    return tables


def preview(kind: str, data: bytes) -> Preview:
    """Header names (and HXL tags, and the first data row) of every sheet; the data rows
    counted for a CSV only (see ``read_headers``)."""
    if kind != "xlsx":
        table = read_table(kind, data)
        return Preview(tables=[table], rows=len(table.rows))
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableFile("too_large")
    book = _open_xlsx(data)
    tables: list[Table] = []
    try:
        for sheet in book.worksheets:
            rows = sheet.iter_rows(values_only=True)
            header = next(rows, None)
            if header is None:
                continue
            table = Table(headers=_headers([_cell(v) for v in header]), name=str(sheet.title))
            for number, values in enumerate(rows, start=2):
                _add_row(table, number, [_cell(v) for v in values], limit=False)
                if len(table.rows) >= PREVIEW_ROWS:
                    break
            tables.append(table)
    except UnreadableFile:
        raise
    except Exception:
        raise UnreadableFile("bad_xlsx") from None
    finally:
        book.close()
    if not tables or not any(tables[0].headers):
        raise UnreadableFile("no_header")
    return Preview(tables=tables, rows=None)


def read_headers(kind: str, data: bytes) -> tuple[list[str], int | None]:
    """Header names and the number of data rows (None: counted later), for the upload.

    A CSV is read whole (fast, and its row limit is checked at once); an XLSX only up
    to its header row, as reading 50,000 rows of one takes seconds: the check, in the
    background, counts them.
    """
    if kind != "xlsx":
        table = read_table(kind, data)
        return table.headers, len(table.rows)
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableFile("too_large")
    book = _open_xlsx(data)
    try:
        header = next(book.worksheets[0].iter_rows(values_only=True), None)
    except Exception:
        raise UnreadableFile("bad_xlsx") from None
    finally:
        book.close()
    if header is None:
        raise UnreadableFile("no_header")
    headers = _headers([_cell(v) for v in header])
    if not any(headers):
        raise UnreadableFile("no_header")
    return headers, None


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without a byte-order mark), UTF-16 with its mark (Excel's "Unicode
    text"), else Windows-1252 (old Excel CSVs)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise UnreadableFile("bad_csv") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def sniff_delimiter(text: str) -> str:
    """The delimiter used most in the header line (Kobo exports use ";" by default)."""
    header = text.split("\n", 1)[0]
    counts = {d: _count_outside_quotes(header, d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _count_outside_quotes(line: str, char: str) -> int:
    count, quoted = 0, False
    for c in line:
        if c == '"':
            quoted = not quoted
        elif c == char and not quoted:
            count += 1
    return count


def _read_csv(data: bytes) -> Table:
    text = decode_text(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    try:
        header = next(reader, None)
        if header is None:
            raise UnreadableFile("no_header")
        table = Table(headers=_headers(header))
        for number, raw in enumerate(reader, start=2):
            _add_row(table, number, list(raw))
    except csv.Error:
        raise UnreadableFile("bad_csv") from None
    return table


def _open_xlsx(data: bytes) -> Any:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise UnreadableFile("too_large")
    except zipfile.BadZipFile:
        raise UnreadableFile("bad_xlsx") from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "no default style" and the like
            return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a broken file
        raise UnreadableFile("bad_xlsx") from None


def _read_xlsx(data: bytes, only_first: bool = False) -> list[Table]:
    """Kobo puts the submissions in the first sheet and each repeat group after it.
    The row limit counts the rows of every sheet read."""
    book = _open_xlsx(data)
    tables: list[Table] = []
    try:
        for position, sheet in enumerate(book.worksheets[:1] if only_first else book.worksheets):
            rows = sheet.iter_rows(values_only=True)
            header = next(rows, None)
            if header is None:
                if position == 0:
                    raise UnreadableFile("no_header")
                continue
            table = Table(headers=_headers([_cell(v) for v in header]), name=str(sheet.title))
            before = sum(len(t.rows) for t in tables)
            for number, values in enumerate(rows, start=2):
                _add_row(table, number, [_cell(v) for v in values], before)
            tables.append(table)
    except UnreadableFile:
        raise
    except Exception:
        raise UnreadableFile("bad_xlsx") from None
    finally:
        book.close()
    return tables


def _headers(raw: list[Any]) -> list[str]:
    if len(raw) > MAX_COLUMNS:
        raise UnreadableFile("too_many_columns")
    headers = [str(h).strip() for h in raw]
    while headers and not headers[-1]:
        headers.pop()
    return headers


def _add_row(
    table: Table, number: int, cells: list[Cell], before: int = 0, *, limit: bool = True
) -> None:
    width = len(table.headers)
    cells = (cells + [""] * width)[:width]
    if not any(_filled(c) for c in cells):
        return  # blank lines don't count, but row numbers stay those of the file
    if number == 2 and is_tag_row(cells):
        table.hxl = [c if isinstance(c, str) else "" for c in cells]
        return
    if limit and before + len(table.rows) >= MAX_ROWS:
        raise UnreadableFile("too_many_rows")
    table.rows.append((number, cells))


def _filled(cell: Cell) -> bool:
    return not isinstance(cell, str) or bool(cell.strip())


def _cell(value: Any) -> Cell:
    if value is None:
        return ""
    if isinstance(value, datetime | date | time):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        # A phone number or an id typed into a number cell: 50937123456.0 → "50937123456".
        return str(int(value))
    return str(value)
