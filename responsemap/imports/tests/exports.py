# ruff: noqa: DTZ001 - an XLSX date cell has no zone: the point of these files
"""Invented exports in the shapes KoboToolbox and ODK write them (no real person).

- ``kobo_xlsx``: KoboToolbox XLSX, "XML values and headers": the submissions sheet
  (device metadata, a geopoint question named ``location`` with its split
  ``_location_*`` columns, ``_xform_id_string``, ``_uuid``, ``_index``), and a repeat
  group's sheet ``comments`` keyed by ``_parent_index``/``_submission__uuid``.
- ``kobo_csv_hxl``: KoboToolbox CSV with ``;``, a BOM and the HXL tag row.
- ``odk_central_csv``: ODK Central's CSV (``SubmissionDate``, ``meta-instanceID``,
  ``KEY``, a geopoint split into ``gps-Latitude``…, ``deviceid``, ``phonenumber``).
- ``kobocat_csv``: an older KoboCAT CSV: ``_geolocation`` as ``[lat, lon]``, dates as
  ``Mar 14, 2024 9:36:52 AM``, a select-multiple split into ``sectors/…`` 0/1 columns.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

from openpyxl import Workbook

FORM_ID = "aXecHjmbATuF6iGFmvBLBX"
UUIDS = [f"5f2b1c9e-0000-4000-8000-00000000000{n}" for n in (1, 2, 3)]

KOBO_MAIN = [
    "start", "end", "today", "deviceid", "phonenumber", "username",
    "group_info/message", "group_info/feedback_type", "group_info/language",
    "location", "_location_latitude", "_location_longitude", "_location_altitude",
    "_location_precision", "_id", "_uuid", "_submission_time", "_validation_status",
    "_index", "_xform_id_string",
]  # fmt: skip
KOBO_REPEAT = [
    "comment", "comment_kind", "_index", "_parent_table_name", "_parent_index",
    "_submission__id", "_submission__uuid", "_submission__submission_time",
]  # fmt: skip


def kobo_xlsx(*, with_repeat: bool = True) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Feedback form"
    sheet.append(KOBO_MAIN)
    rows = [
        ("Pa gen dlo nan kan an", "complaint", "kreyol", "0.5 0.5 12 4.5"),
        ("Distribution list is wrong", "feedback", "english", "0.42 0.61 0 5"),
        ("Merci pour les kits", "thanks", "francais", ""),
    ]
    for n, (text, kind, lang, gps) in enumerate(rows, start=1):
        lat, lon = gps.split()[:2] if gps else ["", ""]
        sheet.append(
            [
                datetime(2024, 3, 14, 9, 30 + n),  # naive: the phone's local time
                datetime(2024, 3, 14, 9, 40 + n),
                datetime(2024, 3, 14).date(),
                f"collect:abcd{n}", "+50937000000", "enumerator1",
                text, kind, lang, gps, lat, lon, "12" if gps else "", "4.5" if gps else "",
                1000 + n, UUIDS[n - 1], datetime(2024, 3, 14, 13, 30 + n), "", n, FORM_ID,
            ]
        )  # fmt: skip
    if with_repeat:
        repeat = book.create_sheet("comments")
        repeat.append(KOBO_REPEAT)
        for index, (parent, comment) in enumerate(
            [
                (1, "The tap at block C leaks"),
                (1, "Women fear going at night"),
                (2, "Names missing"),
            ],
            start=1,
        ):
            repeat.append(
                [comment, "other", index, "Feedback form", parent, 1000 + parent,
                 UUIDS[parent - 1], "2024-03-14T13:31:00"]
            )  # fmt: skip
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def kobo_csv_hxl() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(
        ["today", "deviceid", "message", "commune", "adm1_pcode", "_uuid", "_submission_time"]
    )  # noqa: E501
    writer.writerow(
        [
            "#date",
            "#meta+device",
            "#description",
            "#adm2+name",
            "#adm1+code",
            "#meta+id",
            "#date+submitted",
        ]
    )  # noqa: E501
    writer.writerow(
        [
            "2024-03-14",
            "collect:1",
            "Water is dirty",
            "Test district",
            "XT01",
            UUIDS[0],
            "2024-03-14T10:00:00.000+03:00",
        ]
    )  # noqa: E501
    writer.writerow(
        [
            "2024-03-15",
            "collect:2",
            "No soap",
            "",
            "XT01",
            UUIDS[1],
            "2024-03-15T10:00:00.000+03:00",
        ]
    )  # noqa: E501
    return buffer.getvalue().encode("utf-8-sig")


def odk_central_csv() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        ["SubmissionDate", "start", "end", "deviceid", "phonenumber", "feedback", "type", "sector",
         "lang", "gps-Latitude", "gps-Longitude", "gps-Altitude", "gps-Accuracy",
         "meta-instanceID", "KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent",
         "AttachmentsExpected", "Status", "ReviewState", "DeviceID", "Edits", "FormVersion"]
    )  # fmt: skip
    writer.writerow(
        ["2024-03-14T13:36:52.123Z", "2024-03-14T09:30:00.000-04:00",
         "2024-03-14T09:36:00.000-04:00", "collect:XYZ", "50937000000",
         "Food basket missing oil", "complaint", "nfi", "ha", "0.25", "0.75", "12", "5",
         f"uuid:{UUIDS[0]}", f"uuid:{UUIDS[0]}", "5", "enumerator", "0", "0", "",
         "", "collect:XYZ", "0", "2024031401"]
    )  # fmt: skip
    writer.writerow(
        ["2024-03-15T08:00:00.000Z", "", "", "collect:XYZ", "", "Ask about cash", "feedback",
         "cash", "so", "", "", "", "", f"uuid:{UUIDS[1]}", f"uuid:{UUIDS[1]}", "5", "enumerator",
         "0", "0", "", "", "collect:XYZ", "0", "2024031401"]
    )  # fmt: skip
    return buffer.getvalue().encode("utf-8")


def kobocat_csv() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        ["start", "message", "sectors/wash", "sectors/food", "sectors/shelter", "_geolocation",
         "_uuid", "_submission_time", "formhub/uuid"]
    )  # fmt: skip
    writer.writerow(
        ["Mar 14, 2024 9:36:52 AM", "Latrines are full", "1", "0", "1", "[0.5, 0.5]", UUIDS[0],
         "Mar 14, 2024 1:36:52 PM", "f0rmhub0000"]
    )  # fmt: skip
    writer.writerow(
        ["Mar 15, 2024 10:00:00 AM", "Rice ran out", "0", "1", "0", "[None, None]", UUIDS[1],
         "Mar 15, 2024 2:00:00 PM", "f0rmhub0000"]
    )  # fmt: skip
    return buffer.getvalue().encode("utf-8")


def xlsform() -> bytes:
    """The form's XLSForm: choice lists with labels in English and French."""
    book = Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(["type", "name", "label::English (en)", "label::French (fr)"])
    survey.append(["select_one ftype", "feedback_type", "Type", "Type"])
    survey.append(["select_one lang", "language", "Language", "Langue"])
    survey.append(["select_multiple sec", "sectors", "Sectors", "Secteurs"])
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", "label::English (en)", "label::French (fr)"])
    choices.append(["ftype", "complaint", "Complaint", "Plainte"])
    choices.append(["ftype", "feedback", "Suggestion", "Suggestion"])
    choices.append(["ftype", "thanks", "Appreciation", "Remerciement"])
    choices.append(["lang", "kreyol", "Haitian Creole", "Créole haïtien"])
    choices.append(["lang", "english", "English", "Anglais"])
    choices.append(["lang", "francais", "French", "Français"])
    choices.append(["sec", "wash", "Water, sanitation", "Eau"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
