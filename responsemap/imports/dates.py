"""Dates and times as Kobo, ODK and spreadsheets write them.

Read: ISO 8601 with or without milliseconds and zone (``2024-03-14T09:36:52.123+03:00``,
Kobo's ``_submission_time``, ODK Central's ``SubmissionDate``), numeric dates with
slashes, dots or dashes (``14/03/2024 09:36``, day or month first as the person says),
English month names (``Mar 14, 2024 9:36:52 AM``, KoboCAT's older exports and Excel's
display), Excel serial numbers (``45365.40`` — a date cell saved as a number) and an
XLSX's own date cells. A time without a zone is read in ``zone`` (the project's).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from django.utils import timezone

from responsemap.imports.reader import Cell
from responsemap.imports.rows import Reason

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
_NUMERIC_DATE = re.compile(
    r"^(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})"
    r"(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*([AaPp]\.?[Mm]\.?)?)?$"
)
_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")
# Excel's day 0 (its 1900 leap-year bug included): serial 45365 is 2024-03-14.
_EXCEL_EPOCH = datetime(1899, 12, 30)  # noqa: DTZ001 - a zone is given after
_SERIAL_RANGE = (36526, 73051)  # 2000-01-01 … 2099-12-31
_NAMED_FORMATS = [
    "%b %d, %Y %I:%M:%S %p",
    "%b %d, %Y %I:%M %p",
    "%B %d, %Y %I:%M:%S %p",
    "%B %d, %Y %I:%M %p",
    "%b %d, %Y %H:%M:%S",
    "%b %d, %Y",
    "%B %d, %Y",
    "%d %b %Y %H:%M:%S",
    "%d %b %Y %H:%M",
    "%d %b %Y",
    "%d %B %Y",
    "%d-%b-%Y %H:%M:%S",
    "%d-%b-%Y",
    "%a %b %d %Y %H:%M:%S",
]


def parse_received(cell: Cell, date_order: str = "dmy", zone: tzinfo = UTC) -> datetime:
    """An aware datetime from a cell; raises ValueError(reason code)."""
    value = _to_datetime(cell, date_order)
    if timezone.is_naive(value):
        value = value.replace(tzinfo=zone)
    if value < EARLIEST or value > timezone.now() + timedelta(days=1):
        raise ValueError(Reason.FUTURE_DATE)
    return value


def _to_datetime(cell: Cell, date_order: str) -> datetime:
    if isinstance(cell, datetime):
        return cell
    if isinstance(cell, date):
        return datetime.combine(cell, time())  # noqa: DTZ001 - read in the project's zone
    if isinstance(cell, time):
        raise ValueError(Reason.BAD_DATE)
    text = " ".join(cell.split())
    iso = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        return datetime.fromisoformat(iso)
    except ValueError:
        pass
    if _SERIAL.match(text):
        days = float(text)
        if _SERIAL_RANGE[0] <= days < _SERIAL_RANGE[1]:
            return _EXCEL_EPOCH + timedelta(days=days)
        raise ValueError(Reason.FUTURE_DATE)
    if any(c.isalpha() for c in re.sub(r"[AaPp]\.?[Mm]\.?$", "", text)):
        return _named(text)
    return _numeric(text, date_order)


def _named(text: str) -> datetime:
    cleaned = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text)
    cleaned = re.sub(r"\s*\(.*\)$", "", cleaned)  # "… GMT+0300 (East Africa Time)"
    zone = re.search(r"\s*(?:GMT|UTC)([+-]\d{2}):?(\d{2})$", cleaned)
    offset = None
    if zone:
        sign = 1 if zone.group(1)[0] == "+" else -1
        offset = sign * timedelta(hours=int(zone.group(1)[1:]), minutes=int(zone.group(2)))
        cleaned = cleaned[: zone.start()]
    for form in _NAMED_FORMATS:
        try:
            value = datetime.strptime(cleaned, form)  # noqa: DTZ007 - zone given after
        except ValueError:
            continue
        if offset is not None:
            value = value.replace(tzinfo=timezone.get_fixed_timezone(offset))
        return value
    raise ValueError(Reason.BAD_DATE)


def _numeric(text: str, date_order: str) -> datetime:
    match = _NUMERIC_DATE.match(text)
    if not match:
        raise ValueError(Reason.BAD_DATE)
    a, b, c, hour, minute, second, half = match.groups()
    if len(a) == 4:
        year, month, day = int(a), int(b), int(c)
    else:
        first, second_part, year = int(a), int(b), int(c)
        day, month = (first, second_part) if date_order == "dmy" else (second_part, first)
        if len(c) == 2:
            year += 2000
    h = int(hour or 0)
    if half:
        if h > 12:
            raise ValueError(Reason.BAD_DATE)
        h = h % 12 + (12 if half.lower().startswith("p") else 0)
    try:
        return datetime(year, month, day, h, int(minute or 0), int(second or 0))  # noqa: DTZ001
    except ValueError:
        raise ValueError(Reason.BAD_DATE) from None
