"""Column mapping: which column of the file feeds which field, suggested from the header
names, and the reading of every row into neutral values (``rows.ParsedRow``).

Checks that need no knowledge of feedback happen here: empty text, dates, phone
numbers, languages, row keys and duplicates within the file. Codes and areas are
checked by ``feedback_rows.FeedbackRowSink``.

Row keys. A re-import of the same export must not create records twice, so every
row gets a stable key, stored as the feedback's provider message id:
- with a row-key column mapped (Kobo ``_uuid``, ODK ``meta/instanceID``), the key
  comes from that cell;
- without one, from all mapped cells of the row together: the same row imported
  again is recognised, but a row edited between two imports (or the same file with a
  different mapping) counts as new and creates a second record.
Either way the key is a keyed hash (the project's blind-index key), so no cell value —
a phone number mapped as key, say — is kept in clear.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.conf.locale import LANG_INFO
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from responsemap.imports.reader import Cell, Table
from responsemap.imports.rows import ParsedRow, Problem, Reason
from responsemap.intake.contacts.phones import InvalidPhone, normalise_phone
from responsemap.projects.models import Project
from responsemap.protection.keyring import blind_index

MAX_TEXT = 5000


@dataclass(frozen=True)
class Target:
    name: str
    label: str | Promise
    help: str | Promise = ""
    required: bool = False


TARGETS = [
    Target("content", _("Message text"), _("What the person said or wrote."), required=True),
    Target(
        "received_at",
        _("Received (date and time)"),
        _("Without a time zone, times are read as UTC. Empty: the time of the import."),
    ),
    Target("phone", _("Phone number")),
    Target("language", _("Language"), _("A code such as fr or ar, or the language's name.")),
    Target("area_pcode", _("Area P-code")),
    Target("area_name", _("Area name"), _("Used when no P-code is given.")),
    Target("type_code", _("Type")),
    Target("sector", _("Sector")),
    Target("urgency", _("Urgency")),
    Target("gender", _("Gender")),
    Target("age_band", _("Age group"), _("An age group, or an age in years.")),
    Target("disability", _("Disability")),
    Target("displacement", _("Displacement")),
    Target(
        "key",
        _("Row key"),
        _(
            "A column unique to each row across every export, such as Kobo's _uuid: "
            "importing the file again then skips rows already imported."
        ),
    ),
]
TARGET_NAMES = [t.name for t in TARGETS]

# Header names (normalised: lower case, last part of a group path, "_" for anything
# else) that suggest a target, best first. Kobo/ODK meta columns included.
SYNONYMS: dict[str, list[str]] = {
    "key": ["_uuid", "uuid", "instanceid", "instance_id", "meta_instanceid", "row_key", "key"],
    "content": [
        "message",
        "message_text",
        "feedback",
        "feedback_text",
        "text",
        "content",
        "comment",
        "comments",
        "description",
        "details",
        "msg",
    ],
    "received_at": [
        "_submission_time",
        "submissiondate",
        "submission_date",
        "received_at",
        "received",
        "date_received",
        "datetime",
        "timestamp",
        "date",
        "start",
        "today",
        "end",
    ],
    "phone": [
        "phone",
        "phone_number",
        "phonenumber",
        "telephone",
        "tel",
        "mobile",
        "mobile_number",
        "msisdn",
        "contact_number",
        "numero",
        "numéro",
    ],
    "language": ["language", "lang", "langue", "idioma", "language_code"],
    "area_pcode": ["area_pcode", "pcode", "p_code", "location_pcode"]
    + [
        form.format(n=n)
        for n in (4, 3, 2, 1)
        for form in ("adm{n}_pcode", "admin{n}_pcode", "admin{n}pcode", "adm{n}pcode")
    ],
    "area_name": [
        "area",
        "area_name",
        "location",
        "locality",
        "village",
        "camp",
        "site",
        "commune",
        "district",
        "admin3",
        "adm3",
        "admin2",
        "adm2",
        "department",
        "province",
        "region",
        "admin1",
        "adm1",
    ],
    "type_code": ["type", "feedback_type", "type_of_feedback", "category", "categorie"],
    "sector": ["sector", "secteur", "sector_code", "cluster"],
    "urgency": ["urgency", "priority", "urgence", "priorite"],
    "gender": ["gender", "sex", "sexe", "genre", "respondent_gender", "respondent_sex"],
    "age_band": ["age_band", "age_group", "age_range", "age", "respondent_age", "tranche_age"],
    "disability": ["disability", "has_disability", "disability_status", "disabled", "handicap"],
    "displacement": [
        "displacement",
        "displacement_status",
        "population_group",
        "population_type",
        "idp_status",
        "residence_status",
    ],
}


def normalise_header(header: str) -> str:
    """ "group_x/Phone Number" → "phone_number"; a leading "_" (Kobo meta) is kept."""
    last = header.strip().replace("\\", "/").split("/")[-1] or header.strip()
    name = re.sub(r"[^\w]+", "_", last.casefold())
    return ("_" if name.startswith("_") else "") + name.strip("_")


def suggest_mapping(headers: list[str]) -> dict[str, int]:
    """Target → column index, from the header names; each column used at most once."""
    names = [normalise_header(h) for h in headers]
    full = [re.sub(r"[^\w]+", "_", h.casefold()).strip("_") for h in headers]
    taken: set[int] = set()
    found: dict[str, int] = {}
    for target in TARGET_NAMES:
        for synonym in SYNONYMS.get(target, []):
            index = next(
                (
                    i
                    for i in range(len(headers))
                    if i not in taken and synonym in (names[i], full[i])
                ),
                None,
            )
            if index is not None:
                found[target] = index
                taken.add(index)
                break
    return found


@dataclass(frozen=True)
class Mapping:
    """What the person chose on the mapping screen."""

    columns: dict[str, int]
    date_order: str = "dmy"  # how to read 03/04/2024: day first, or "mdy"
    keep_phone: bool = False  # the source collected consent to keep phone numbers

    def to_json(self) -> dict[str, Any]:
        return {
            "columns": self.columns,
            "date_order": self.date_order,
            "keep_phone": self.keep_phone,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Mapping:
        return cls(
            columns={k: int(v) for k, v in (data.get("columns") or {}).items()},
            date_order=str(data.get("date_order") or "dmy"),
            keep_phone=bool(data.get("keep_phone")),
        )


def parse_rows(project: Project, table: Table, mapping: Mapping) -> list[ParsedRow]:
    """Every data row, read and checked as far as intake can; duplicates marked."""
    parsed: list[ParsedRow] = []
    seen: set[str] = set()
    has_key_column = "key" in mapping.columns
    for number, cells in table.rows:
        row = _parse_row(project, number, cells, mapping)
        if row.key and row.key in seen:
            reason = Reason.DUPLICATE_KEY if has_key_column else Reason.DUPLICATE_ROW
            row.problems.append(Problem("key" if has_key_column else "", reason))
        elif row.key:
            seen.add(row.key)
        parsed.append(row)
    return parsed


def _text(cell: Cell) -> str:
    if isinstance(cell, datetime | date | time):
        return cell.isoformat()
    return cell.strip()


def _parse_row(project: Project, number: int, cells: list[Cell], mapping: Mapping) -> ParsedRow:
    raw = {target: cells[i] for target, i in mapping.columns.items() if i < len(cells)}
    text = {target: _text(cell) for target, cell in raw.items()}
    problems: list[Problem] = []
    values: dict[str, Any] = {name: text.get(name, "") for name in TARGET_NAMES}
    values.pop("key")

    if not values["content"]:
        problems.append(Problem("content", Reason.EMPTY_TEXT))
    elif len(values["content"]) > MAX_TEXT:
        problems.append(Problem("content", Reason.TEXT_TOO_LONG))

    values["received_at"] = None
    if "received_at" in raw and text["received_at"]:
        try:
            values["received_at"] = parse_received(raw["received_at"], mapping.date_order)
        except ValueError as exc:
            problems.append(Problem("received_at", str(exc)))

    if not mapping.keep_phone:
        values["phone"] = ""
    elif values["phone"]:
        try:
            values["phone"] = read_phone(values["phone"], project.country)
        except InvalidPhone:
            values["phone"] = ""
            problems.append(Problem("phone", Reason.BAD_PHONE))

    if values["language"]:
        code = read_language(values["language"], project.languages)
        if code is None:
            problems.append(Problem("language", Reason.BAD_LANGUAGE))
        values["language"] = code or ""

    if "key" in mapping.columns:
        if not text.get("key"):
            problems.append(Problem("key", Reason.MISSING_KEY))
            key = ""
        else:
            key = "k:" + blind_index(project.pk, "import.row-key", text["key"])
    else:
        # Spacing differences (a re-saved spreadsheet) don't make a row new.
        canonical = json.dumps(
            {t: " ".join(text[t].split()) for t in sorted(text)},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        key = "r:" + blind_index(project.pk, "import.row", canonical)
    return ParsedRow(number=number, key=key, values=values, problems=problems)


_NUMERIC_DATE = re.compile(
    r"^(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})"
    r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*([AaPp][Mm])?)?$"
)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


def parse_received(cell: Cell, date_order: str = "dmy") -> datetime:
    """An aware datetime from a cell; raises ValueError(reason code)."""
    value = _to_datetime(cell, date_order)
    if timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)
    if value < EARLIEST or value > timezone.now() + timedelta(days=1):
        raise ValueError(Reason.FUTURE_DATE)
    return value


def _to_datetime(cell: Cell, date_order: str) -> datetime:
    if isinstance(cell, datetime):
        return cell
    if isinstance(cell, date):
        return datetime.combine(cell, time(), tzinfo=UTC)
    if isinstance(cell, time):
        raise ValueError(Reason.BAD_DATE)
    text = cell.strip()
    iso = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        return datetime.fromisoformat(iso)
    except ValueError:
        pass
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
        h = h % 12 + (12 if half.lower() == "pm" else 0)
    try:
        return datetime(year, month, day, h, int(minute or 0), int(second or 0), tzinfo=UTC)
    except ValueError:
        raise ValueError(Reason.BAD_DATE) from None


def read_phone(raw: str, country: str) -> str:
    try:
        return normalise_phone(raw, country)
    except InvalidPhone:
        digits = re.sub(r"[\s().\-]", "", raw)
        # Exports often drop the "+" of an international number (or a number cell did).
        if digits.isdigit() and len(digits) >= 10:
            return normalise_phone("+" + digits, country)
        raise


def _language_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for code, info in LANG_INFO.items():
        if "name" in info:
            names[code] = code
            names[str(info["name"]).casefold()] = code
            names[str(info.get("name_local", "")).casefold()] = code
    for code, name in settings.LANGUAGES:
        names[str(name).casefold()] = code
    names.pop("", None)
    return names


_NAMES = _language_names()


def read_language(raw: str, project_languages: Iterable[str] = ()) -> str | None:
    """A language code from a code ("fr", "fr-HT") or a name ("French", "Français");
    None if it is neither a known language nor one of the project's."""
    value = raw.strip().casefold().replace("_", "-")
    own = {str(code).casefold(): str(code) for code in project_languages}
    if value in own:
        return own[value]
    if value in _NAMES:
        return _NAMES[value]
    base = value.split("-", 1)[0]
    if base in own or (base in _NAMES and _NAMES[base] == base):
        return value[:8]
    return None
