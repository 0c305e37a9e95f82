from __future__ import annotations

import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook

from responsemap.imports import reader
from responsemap.imports.dates import parse_received
from responsemap.imports.gps import BadPosition, read_pair, read_point
from responsemap.imports.hxl import is_tag_row, suggest_from_tags
from responsemap.imports.mapping import (
    Mapping,
    parse_rows,
    read_language,
    read_phone,
    suggest_mapping,
)
from responsemap.imports.reader import UnreadableFile, kind_for, read_table
from responsemap.imports.recodes import recode
from responsemap.imports.rows import Reason
from responsemap.imports.tests.kobo import GOOD, HEADERS, csv_bytes, xlsx_bytes
from responsemap.projects.models import Project

ZONE = ZoneInfo("Africa/Mogadishu")


def test_kobo_headers_are_suggested() -> None:
    found = {target: HEADERS[i] for target, i in suggest_mapping(HEADERS).items()}
    assert found == {
        "key": "_uuid",
        "content": "group_info/message",
        "received_at": "_submission_time",
        "phone": "group_info/phone",
        "language": "language",
        "area_pcode": "admin1_pcode",
        "area_name": "commune",
        "type_code": "feedback_type",
        "sector": "sector",
        "urgency": "urgency",
        "gender": "gender",
        "age_band": "age",
    }


def test_odk_and_plain_headers_are_suggested() -> None:
    headers = ["SubmissionDate", "meta/instanceID", "Phone Number", "Feedback", "Sex", "Start"]
    found = {target: headers[i] for target, i in suggest_mapping(headers).items()}
    assert found["key"] == "meta/instanceID"
    assert found["received_at"] == "SubmissionDate"  # preferred to "start"
    assert found["phone"] == "Phone Number"
    assert found["content"] == "Feedback"
    assert found["gender"] == "Sex"


@pytest.mark.parametrize(
    ("delimiter", "encoding"),
    [(";", "utf-8-sig"), (",", "utf-8"), ("\t", "utf-8"), (",", "cp1252")],
)
def test_csv_delimiters_and_encodings(delimiter: str, encoding: str) -> None:
    data = csv_bytes(GOOD, delimiter=delimiter, encoding=encoding)
    table = read_table("csv", data)
    assert table.headers == HEADERS
    assert [number for number, _ in table.rows] == [2, 3, 4]
    assert table.rows[2][1][5] == "Merci pour les kits"


def test_cp1252_accents_survive() -> None:
    data = "message;commune\r\nL'eau est sale à l'école;Dépôt\r\n".encode("cp1252")
    table = read_table("csv", data)
    assert table.rows[0][1] == ["L'eau est sale à l'école", "Dépôt"]


def test_blank_lines_are_skipped_but_row_numbers_kept() -> None:
    table = read_table("csv", b"message,phone\n\nfirst,\n,\nsecond,\n")
    assert table.rows == [(3, ["first", ""]), (5, ["second", ""])]


def test_xlsx_first_sheet_with_native_cells() -> None:
    table = read_table("xlsx", xlsx_bytes(GOOD))
    assert table.headers == HEADERS
    assert len(table.rows) == 3
    number, cells = table.rows[0]
    assert number == 2
    assert cells[16] == datetime(2024, 3, 5, 10, 22, 11)  # noqa: DTZ001 (a naive date cell)
    assert cells[14] == "1001"  # a number cell: no ".0"
    assert cells[5] == "Pa gen dlo nan kan an"


def test_file_kinds() -> None:
    assert kind_for("export.CSV", b"a,b") == "csv"
    assert kind_for("export.xlsx", b"PK\x03\x04rest") == "xlsx"
    for name, head, code in [
        ("export.xls", b"\xd0\xcf", "old_excel"),
        ("export.xlsx", b"a,b,c", "bad_xlsx"),
        ("export.pdf", b"%PDF", "unknown_kind"),
    ]:
        with pytest.raises(UnreadableFile) as err:
            kind_for(name, head)
        assert err.value.code == code


@pytest.mark.parametrize(
    ("kind", "data", "code"),
    [
        ("csv", b"", "empty"),
        ("csv", b"message,phone\n", "no_rows"),
        ("xlsx", b"PK\x03\x04 not really a zip", "bad_xlsx"),
    ],
)
def test_unreadable_files(kind: str, data: bytes, code: str) -> None:
    with pytest.raises(UnreadableFile) as err:
        read_table(kind, data)
    assert err.value.code == code


def test_row_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "MAX_ROWS", 2)
    with pytest.raises(UnreadableFile) as err:
        read_table("csv", csv_bytes(GOOD))
    assert err.value.code == "too_many_rows"


def test_xlsx_that_unpacks_too_large_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    book = Workbook()
    book.active.append(["message"])
    for _ in range(200):
        book.active.append(["x" * 500])
    buffer = io.BytesIO()
    book.save(buffer)
    monkeypatch.setattr(reader, "MAX_UNPACKED_BYTES", 20_000)
    with pytest.raises(UnreadableFile) as err:
        read_table("xlsx", buffer.getvalue())
    assert err.value.code == "too_large"


@pytest.mark.parametrize(
    ("value", "order", "expected"),
    [
        ("2024-03-05T10:22:11.000+01:00", "dmy", datetime(2024, 3, 5, 9, 22, 11, tzinfo=UTC)),
        ("2024-03-05T10:22:11Z", "dmy", datetime(2024, 3, 5, 10, 22, 11, tzinfo=UTC)),
        ("2024-03-05 10:22", "dmy", datetime(2024, 3, 5, 10, 22, tzinfo=UTC)),
        ("05/03/2024", "dmy", datetime(2024, 3, 5, tzinfo=UTC)),
        ("05/03/2024", "mdy", datetime(2024, 5, 3, tzinfo=UTC)),
        ("5.3.24 3:15 PM", "dmy", datetime(2024, 3, 5, 15, 15, tzinfo=UTC)),
        (datetime(2024, 3, 5, 8, 0), "dmy", datetime(2024, 3, 5, 8, 0, tzinfo=UTC)),  # noqa: DTZ001
    ],
)
def test_dates(value: str | datetime, order: str, expected: datetime) -> None:
    assert parse_received(value, order) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [("31/02/2024", "bad_date"), ("yesterday", "bad_date"), ("2999-01-01", "future_date")],
)
def test_bad_dates(value: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_received(value)


def test_phones_and_languages() -> None:
    assert read_phone("3712 0002", "HT") == "+50937120002"
    assert read_phone("50937120002", "HT") == "+50937120002"  # the "+" lost by a number cell
    assert read_language("English") == "en"
    assert read_language("Français") == "fr"
    assert read_language("FR") == "fr"
    assert read_language("ht", ["fr", "ht"]) == "ht"
    assert read_language("Klingon") is None
    assert read_language("yes") is None


@pytest.mark.django_db
def test_row_keys_are_stable_hashes_never_values(project: Project) -> None:
    table = read_table("csv", csv_bytes(GOOD))
    columns = suggest_mapping(table.headers)
    first = parse_rows(project, table, Mapping(columns=columns, keep_phone=True))
    again = parse_rows(project, read_table("xlsx", xlsx_bytes(GOOD)), Mapping(columns=columns))
    assert [r.key for r in first] == [r.key for r in again]  # from _uuid: same in both
    assert all(r.key.startswith("k:") and "a1b2c3d4" not in r.key for r in first)
    assert len({r.key for r in first}) == 3

    no_key = {k: v for k, v in columns.items() if k != "key"}
    hashed = parse_rows(project, table, Mapping(columns=no_key))
    assert [r.key for r in hashed] == [r.key for r in parse_rows(project, table, Mapping(no_key))]
    assert all(r.key.startswith("r:") for r in hashed)


@pytest.mark.django_db
def test_intake_checks_per_row(project: Project) -> None:
    data = csv_bytes(
        [
            GOOD[0],
            GOOD[0],  # the same _uuid again
            ("not a phone", "", "", "", "", "", "", "", "", "Klingon", "u-3", "31/02/2024"),
            ("", "text", "", "", "", "", "", "", "", "", "", "2024-01-01"),
        ]
    )
    table = read_table("csv", data)
    rows = parse_rows(project, table, Mapping(suggest_mapping(table.headers), keep_phone=True))
    problems = {row.number: sorted((p.field, p.reason) for p in row.problems) for row in rows}
    assert problems == {
        2: [],
        3: [("key", Reason.DUPLICATE_KEY)],
        4: [
            ("content", Reason.EMPTY_TEXT),
            ("phone", Reason.BAD_PHONE),
            ("received_at", Reason.BAD_DATE),
        ],
        5: [("key", Reason.MISSING_KEY)],
    }
    # An unknown language is left out, the row not failed for it.
    assert [(p.field, p.reason) for p in rows[2].notes] == [("language", Reason.LEFT_EMPTY)]


def test_utf16_csv_from_excel() -> None:
    data = "message\tcommune\r\nL'eau est sale\tDépôt\r\n".encode("utf-16")
    table = read_table("csv", data)
    assert table.rows[0][1] == ["L'eau est sale", "Dépôt"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # Kobo's _submission_time / ODK Central's SubmissionDate, milliseconds and zone.
        ("2024-03-14T09:36:52.123+03:00", datetime(2024, 3, 14, 6, 36, 52, 123000, tzinfo=UTC)),
        # KoboCAT's older exports and Excel's display, read in the zone given.
        ("Mar 14, 2024 9:36:52 AM", datetime(2024, 3, 14, 9, 36, 52, tzinfo=ZONE)),
        ("Mar 14, 2024 9:36:52 PM", datetime(2024, 3, 14, 21, 36, 52, tzinfo=ZONE)),
        ("14 Mar 2024", datetime(2024, 3, 14, tzinfo=ZONE)),
        ("14/03/2024 09:36", datetime(2024, 3, 14, 9, 36, tzinfo=ZONE)),
        ("14/03/2024 9:36 pm", datetime(2024, 3, 14, 21, 36, tzinfo=ZONE)),
        # An Excel serial number: a date cell saved as a number.
        ("45365", datetime(2024, 3, 14, tzinfo=ZONE)),
        ("45365.4", datetime(2024, 3, 14, 9, 36, tzinfo=ZONE)),
        # An XLSX date cell (naive): the phone's local time.
        (datetime(2024, 3, 14, 9, 36), datetime(2024, 3, 14, 9, 36, tzinfo=ZONE)),  # noqa: DTZ001
    ],
)
def test_kobo_and_odk_date_formats(value: str | datetime, expected: datetime) -> None:
    assert parse_received(value, "dmy", ZONE) == expected


@pytest.mark.parametrize(
    ("cell", "point"),
    [
        ("18.5392 -72.3364 12.5 4.9", (18.5392, -72.3364)),  # a geopoint answer
        ("[18.5392, -72.3364]", (18.5392, -72.3364)),  # Kobo's _geolocation
        ("18.5392,-72.3364", (18.5392, -72.3364)),
        ("", None),
        ("[None, None]", None),
    ],
)
def test_gps_cells(cell: str, point: tuple[float, float] | None) -> None:
    assert read_point(cell) == point


@pytest.mark.parametrize("cell", ["somewhere", "95 10", "0 0 0 0", "18.5"])
def test_gps_cells_that_are_no_position(cell: str) -> None:
    with pytest.raises(BadPosition):
        read_point(cell)


def test_split_gps_columns() -> None:
    assert read_pair("18.54", "-72.33") == (18.54, -72.33)
    assert read_pair("", "") is None
    with pytest.raises(BadPosition):
        read_pair("18.54", "")


def test_hxl_tag_row_is_set_apart() -> None:
    data = b"date;message;adm2\n#date;#description;#adm2+name\n2024-03-14;Hello;Jacmel\n"
    table = read_table("csv", data)
    assert table.hxl == ["#date", "#description", "#adm2+name"]
    assert [cells[1] for _n, cells in table.rows] == ["Hello"]
    assert [n for n, _c in table.rows] == [3]  # row numbers stay those of the file
    assert not is_tag_row(["#date", "Hello"])
    assert suggest_from_tags(
        ["#adm1+name", "#adm2+name", "#adm2+code", "#geo+lat", "#geo+lon"]
    ) == {
        "area_name": 1,
        "area_pcode": 2,
        "latitude": 3,
        "longitude": 4,
    }


def test_device_metadata_is_never_suggested() -> None:
    headers = ["deviceid", "phonenumber", "simserial", "subscriberid", "imei", "username",
               "location", "message", "respondent_phone"]  # fmt: skip
    found = suggest_mapping(headers)
    assert found == {"content": 7, "phone": 8}


def test_language_names_and_codes_of_the_field() -> None:
    pairs = [("kreyol", "ht"), ("Kreyòl", "ht"), ("somali", "so"), ("so", "so"), ("ha", "ha"),
             ("Hausa", "ha"), ("Français", "fr"), ("العربية", "ar")]  # fmt: skip
    for raw, code in pairs:
        assert read_language(raw) == code, raw


def test_select_multiple_values_recoded() -> None:
    recodes = {"sector": {"wash": "wash", "nfi": "shelter", "other": ""}}
    assert recode("sector", "nfi wash", recodes) == "shelter"  # the first with a code
    assert recode("sector", "other", recodes) == ""  # left empty, as chosen
    assert recode("sector", "unknown", recodes) == "unknown"  # the import's own words try
