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
from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.conf.locale import LANG_INFO
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from responsemap.imports.dates import parse_received
from responsemap.imports.gps import BadPosition, read_pair, read_point
from responsemap.imports.reader import Cell, Table
from responsemap.imports.recodes import CODED, language_word, recode
from responsemap.imports.rows import ParsedRow, Problem, Reason
from responsemap.intake.contacts.phones import InvalidPhone, normalise_phone
from responsemap.lib.timezones import is_zone
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
        _(
            "Times without a time zone are read in the zone chosen below. Without a "
            "date column, give the date of all rows below."
        ),
    ),
    Target("phone", _("Phone number")),
    Target("language", _("Language"), _("A code such as fr or ar, or the language's name.")),
    Target("area_pcode", _("Area P-code")),
    Target("area_name", _("Area name"), _("Used when no P-code is given.")),
    Target(
        "gps",
        _("GPS point"),
        _(
            "One column with latitude and longitude, such as Kobo's _geolocation or a "
            "geopoint question. Kept rounded to about 1 km; the area is found from it "
            "when no P-code or area name is given."
        ),
    ),
    Target("latitude", _("GPS latitude"), _("When latitude and longitude are two columns.")),
    Target("longitude", _("GPS longitude")),
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
    "key": [
        "_row_key",
        "_uuid",
        "uuid",
        "instanceid",
        "instance_id",
        "meta_instanceid",
        "row_key",
        "key",
    ],
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
        "respondent_phone",
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
    "sector": ["sector", "sectors", "secteur", "sector_code", "cluster"],
    "urgency": ["urgency", "priority", "urgence", "priorite"],
    "gender": ["gender", "sex", "sexe", "genre", "respondent_gender", "respondent_sex"],
    "age_band": ["age_band", "age_group", "age_range", "age", "respondent_age", "tranche_age"],
    "disability": ["disability", "has_disability", "disability_status", "disabled", "handicap"],
    "gps": ["_geolocation", "gps", "geopoint", "gps_location", "geolocation", "coordinates"],
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


# What Kobo and ODK fill in about the collecting phone and the enumerator, never about
# the respondent: never suggested (``phonenumber`` is the device's own number).
DEVICE_METADATA = {
    "deviceid",
    "device_id",
    "phonenumber",
    "simserial",
    "subscriberid",
    "imei",
    "username",
    "_submitted_by",
    "audit",
    "_version_",
    "__version__",
    "_xform_id_string",
    "formhub_uuid",
    "_validation_status",
    "_status",
    "_tags",
    "_notes",
    "_attachments",
}
_LATITUDE = re.compile(r"^(?:_.+_latitude|.+[-_ ]latitude|latitude|lat)$")
_LONGITUDE = re.compile(r"^(?:_.+_longitude|.+[-_ ]longitude|longitude|lon|lng|long)$")


def text_columns(headers: list[str], own_columns: int | None) -> tuple[int, ...]:
    """Columns of other sheets (a repeat group's) that look like comments: suggested
    as "also add to the message text"."""
    if own_columns is None:
        return ()
    words = set(SYNONYMS["content"])
    return tuple(
        i for i in range(own_columns, len(headers)) if normalise_header(headers[i]) in words
    )


def _is_device(header: str) -> bool:
    names = {normalise_header(header).lstrip("_"), normalise_header(header)}
    names.add(re.sub(r"[^\w]+", "_", header.casefold()).strip("_"))
    return bool(names & DEVICE_METADATA)


def suggest_mapping(
    headers: list[str], hxl: list[str] | None = None, own_columns: int | None = None
) -> dict[str, int]:
    """Target → column index, from the HXL tags, then the header names; each column
    used at most once, device metadata never. With sheets read together, the base
    sheet's ``own_columns`` (the first ones) are tried first: a repeat row's own
    comment before its submission's message."""
    if own_columns is not None and 0 < own_columns < len(headers):
        own = suggest_mapping(headers[:own_columns], (hxl or [])[:own_columns])
        rest = suggest_mapping(headers, hxl)
        used = set(own.values())
        for target, column in rest.items():
            if target not in own and column not in used:
                own[target] = column
                used.add(column)
        return own
    from responsemap.imports.hxl import suggest_from_tags

    device = {i for i, h in enumerate(headers) if _is_device(h)}
    found = {t: i for t, i in suggest_from_tags(hxl or []).items() if i not in device}
    taken: set[int] = set(found.values()) | device
    names = [normalise_header(h) for h in headers]
    full = [re.sub(r"[^\w]+", "_", h.casefold()).strip("_") for h in headers]
    for target, pattern in (("latitude", _LATITUDE), ("longitude", _LONGITUDE)):
        if target not in found:
            matched = next(
                (i for i in range(len(headers)) if i not in taken and pattern.match(full[i])),
                None,
            )
            if matched is not None:
                found[target] = matched
                taken.add(matched)
    if "latitude" in found and "longitude" not in found:
        taken.discard(found.pop("latitude"))
    for target in TARGET_NAMES:
        if target in found:
            continue
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
    if "gps" in found and "latitude" in found:
        found.pop("gps")  # the split columns are the same point
    return found


@dataclass(frozen=True)
class Mapping:
    """What the person chose on the mapping (and recoding) screens."""

    columns: dict[str, int]
    date_order: str = "dmy"  # how to read 03/04/2024: day first, or "mdy"
    keep_phone: bool = False  # the source collected consent to keep phone numbers
    # Times without a zone are read in this zone ("": the project country's).
    time_zone: str = ""
    # The date of every row, chosen by the person when the file has no date column
    # (ISO date); also the date of a row whose date cell is empty.
    fixed_date: str = ""
    # More columns added to the message text, each after its column's name (a comment
    # asked in a repeat group, "other, specify"…).
    more_text: tuple[int, ...] = ()
    # {target: {file value (casefolded): project code, or "" to leave empty}}
    recodes: dict[str, dict[str, str]] = field(default_factory=dict)
    # Sheets of an XLSX read together (``sheets.chosen``): the base, the others, and
    # the split select-multiple questions joined into one column each.
    sheets: dict[str, Any] = field(default_factory=dict)
    # Filled from the mapping saved for the form (the screen says so).
    saved: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "columns": self.columns,
            "date_order": self.date_order,
            "keep_phone": self.keep_phone,
            "time_zone": self.time_zone,
            "fixed_date": self.fixed_date,
            "more_text": list(self.more_text),
            "recodes": self.recodes,
            "sheets": self.sheets,
            "saved": self.saved,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Mapping:
        recodes = data.get("recodes") or {}
        return cls(
            columns={k: int(v) for k, v in (data.get("columns") or {}).items()},
            date_order=str(data.get("date_order") or "dmy"),
            keep_phone=bool(data.get("keep_phone")),
            time_zone=str(data.get("time_zone") or ""),
            fixed_date=str(data.get("fixed_date") or ""),
            more_text=tuple(int(v) for v in data.get("more_text") or ()),
            recodes={
                str(t): {str(k): str(v) for k, v in values.items()}
                for t, values in recodes.items()
                if isinstance(values, dict)
            },
            sheets=dict(data.get("sheets") or {}),
            saved=bool(data.get("saved")),
        )

    def zone(self, project: Project) -> tzinfo:
        name = self.time_zone if is_zone(self.time_zone) else project.zone
        return ZoneInfo(name)


def parse_rows(project: Project, table: Table, mapping: Mapping) -> list[ParsedRow]:
    """Every data row, read and checked as far as intake can; duplicates marked."""
    parsed: list[ParsedRow] = []
    seen: set[str] = set()
    has_key_column = "key" in mapping.columns
    reading = _Reading(project, table, mapping)
    for number, cells in table.rows:
        row = reading.row(number, cells)
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


# Targets read into values of their own, not text.
_NOT_TEXT = {"key", "gps", "latitude", "longitude"}


class _Reading:
    """What every row of one file is read with: the project's zone, languages, the
    columns' names (for text added from more columns), the fallback date."""

    def __init__(self, project: Project, table: Table, mapping: Mapping) -> None:
        self.project = project
        self.mapping = mapping
        self.zone = mapping.zone(project)
        self.headers = table.headers
        self.fixed: datetime | None = None
        if mapping.fixed_date:
            try:
                self.fixed = parse_received(mapping.fixed_date, "dmy", self.zone)
            except ValueError:
                self.fixed = None
        self.parent_column = next(
            (i for i, h in enumerate(table.headers) if h == "_parent_key"), None
        )

    def row(self, number: int, cells: list[Cell]) -> ParsedRow:
        mapping, project = self.mapping, self.project
        raw = {target: cells[i] for target, i in mapping.columns.items() if i < len(cells)}
        text = {target: _text(cell) for target, cell in raw.items()}
        problems: list[Problem] = []
        notes: list[Problem] = []
        values: dict[str, Any] = {
            name: text.get(name, "") for name in TARGET_NAMES if name not in _NOT_TEXT
        }
        for target in CODED:
            if values.get(target):
                values[target] = recode(target, values[target], mapping.recodes)

        values["content"] = self._content(values["content"], cells)
        if not values["content"]:
            problems.append(Problem("content", Reason.EMPTY_TEXT))
        elif len(values["content"]) > MAX_TEXT:
            problems.append(Problem("content", Reason.TEXT_TOO_LONG))

        values["received_at"] = self.fixed
        if "received_at" in raw and text["received_at"]:
            try:
                values["received_at"] = parse_received(
                    raw["received_at"], mapping.date_order, self.zone
                )
            except ValueError as exc:
                problems.append(Problem("received_at", str(exc)))
        elif self.fixed is None:
            problems.append(Problem("received_at", Reason.MISSING_DATE))

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
                notes.append(Problem("language", Reason.LEFT_EMPTY))
            values["language"] = code or ""

        values["lat"], values["lon"] = None, None
        try:
            point = None
            if "gps" in raw:
                point = read_point(raw["gps"])
            if point is None and "latitude" in raw and "longitude" in raw:
                point = read_pair(raw["latitude"], raw["longitude"])
            if point is not None:
                values["lat"], values["lon"] = point
        except BadPosition:
            notes.append(Problem("gps" if "gps" in raw else "latitude", Reason.BAD_GPS))

        if "key" in mapping.columns and not text.get("key"):
            problems.append(Problem("key", Reason.MISSING_KEY))
        return ParsedRow(
            number=number,
            key=self._key(text),
            values=values,
            problems=problems,
            notes=notes,
            parent_key=self._parent(cells),
        )

    def _content(self, content: str, cells: list[Cell]) -> str:
        parts = [content] if content else []
        for index in self.mapping.more_text:
            if index < len(cells) and index < len(self.headers):
                value = _text(cells[index])
                if value:
                    parts.append(f"{self.headers[index]}: {value}")
        return "\n\n".join(parts)

    def _parent(self, cells: list[Cell]) -> str:
        """The submission's key as its own record has it (its _uuid as row key)."""
        if self.parent_column is None or self.parent_column >= len(cells):
            return ""
        parent = _text(cells[self.parent_column])
        return "k:" + blind_index(self.project.pk, "import.row-key", parent) if parent else ""

    def _key(self, text: dict[str, str]) -> str:
        if "key" in self.mapping.columns:
            if not text.get("key"):
                return ""
            return "k:" + blind_index(self.project.pk, "import.row-key", text["key"])
        # Spacing differences (a re-saved spreadsheet) don't make a row new.
        canonical = json.dumps(
            {t: " ".join(text[t].split()) for t in sorted(text)},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return "r:" + blind_index(self.project.pk, "import.row", canonical)


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
    word = language_word(value)
    if word:
        return word
    base = value.split("-", 1)[0]
    if base in own or (base in _NAMES and _NAMES[base] == base):
        return value[:8]
    return None
