"""An invented Kobo-like export, as CSV or XLSX bytes (no real person in it)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime

from openpyxl import Workbook

HEADERS = [
    "start",
    "end",
    "today",
    "consent",
    "group_info/phone",
    "group_info/message",
    "gender",
    "age",
    "admin1_pcode",
    "commune",
    "feedback_type",
    "sector",
    "urgency",
    "language",
    "_id",
    "_uuid",
    "_submission_time",
    "_index",
]

Row = Sequence[str]

# (phone, message, gender, age, pcode, commune, type, sector, urgency, language, uuid, time)
GOOD: list[Row] = [
    ("+509 3712 0001", "Pa gen dlo nan kan an", "female", "34", "XT01", "", "complaint",
     "wash", "high", "fr", "a1b2c3d4-0000-4000-8000-000000000001", "2024-03-05T10:22:11"),
    ("3712 0002", "When is the next distribution?", "m", "19", "", "Test district",
     "question", "food security", "", "English", "a1b2c3d4-0000-4000-8000-000000000002",
     "2024-03-06T08:00:00"),
    ("", "Merci pour les kits", "", "", "", "", "appreciation", "", "low", "fr",
     "a1b2c3d4-0000-4000-8000-000000000003", "2024-03-07 09:15"),
]  # fmt: skip


BAD_ROWS: list[Row] = [
    # an unknown P-code, an unknown type, a date that isn't one
    ("", "Row with an unknown area", "", "", "ZZ99", "", "gossip", "", "", "fr",
     "b0000000-0000-4000-8000-000000000001", "31/02/2024"),
    # empty text, a phone that isn't one
    ("call me maybe", "", "", "", "", "", "", "", "", "", "b0000000-0000-4000-8000-000000000002",
     "2024-03-08T10:00:00"),
]  # fmt: skip


def rows(data: Sequence[Row]) -> list[list[str]]:
    out = []
    for n, (
        phone,
        text,
        gender,
        age,
        pcode,
        commune,
        kind,
        sector,
        urgency,
        lang,
        uid,
        when,
    ) in enumerate(data, start=1):
        out.append(
            [
                when, when, when[:10], "yes", phone, text, gender, age, pcode, commune, kind,
                sector, urgency, lang, str(1000 + n), uid, when, str(n),
            ]
        )  # fmt: skip
    return out


def csv_bytes(
    data: Sequence[Row],
    *,
    delimiter: str = ";",
    encoding: str = "utf-8-sig",
    headers: list[str] = HEADERS,
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(headers)
    writer.writerows(rows(data))
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(data: Sequence[Row], *, native_dates: bool = True) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for row in rows(data):
        cells: list[object] = list(row)
        if native_dates:
            cells[16] = datetime.fromisoformat(row[16].replace(" ", "T"))
        cells[14] = int(row[14])  # Kobo's _id is a number cell
        sheet.append(cells)
    sheet = book.create_sheet("repeat_group")
    sheet.append(["_parent_index", "note"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
