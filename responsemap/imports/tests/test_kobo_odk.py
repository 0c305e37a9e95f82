"""Real export shapes end to end: every XLSX sheet and repeat group, recoding, GPS,
saved mappings per form, HXL, device metadata, dates and the project's time zone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from django.urls import reverse

from responsemap.accounts.models import User
from responsemap.accounts.queries import viewer_for
from responsemap.geo.models import AdminArea
from responsemap.imports.feedback_rows import FeedbackRowSink
from responsemap.imports.form_models import SavedMapping, SubmissionLink
from responsemap.imports.models import ImportJob
from responsemap.imports.saved import (
    NamedMapping,
    apply_mapping,
    form_key,
    open_saved,
    saved_mapping_for,
)
from responsemap.imports.submissions import repeat_rows_of, submission_of
from responsemap.imports.tests.exports import (
    FORM_ID,
    UUIDS,
    kobo_csv_hxl,
    kobo_xlsx,
    kobocat_csv,
    odk_central_csv,
    xlsform,
)
from responsemap.projects.models import Project
from responsemap.protection.present import open_for_system
from responsemap.protection.system_opens import SystemPurpose
from responsemap.triage.models import Feedback

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]
HAITI = ZoneInfo("America/Port-au-Prince")


def upload(client: Client, project: Project, data: bytes, name: str) -> ImportJob:
    response = client.post(
        reverse("imports:upload", args=[project.slug]),
        {"file": SimpleUploadedFile(name, data)},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return ImportJob.objects.filter(project=project).latest("created_at")


def headers_of(job: ImportJob) -> list[str]:
    import json

    text = open_for_system(job, "headers", purpose=SystemPurpose.TEST)
    return list(json.loads(text or "[]"))


def named(job: ImportJob) -> dict[str, str]:
    headers = headers_of(job)
    return {t: headers[i] for t, i in job.mapping["columns"].items()}


def map_as_suggested(client: Client, job: ImportJob, **changes: str) -> Any:
    data = {f"col_{t}": str(i) for t, i in job.mapping["columns"].items()}
    data["more_text"] = [str(i) for i in job.mapping.get("more_text", [])]  # type: ignore[assignment]
    data.update({"date_order": "dmy", "time_zone": ""})
    data.update(changes)
    return client.post(reverse("imports:mapping", args=[job.project.slug, job.pk]), data)


def recode(client: Client, job: ImportJob, **choices: str) -> Any:
    """The recoding screen as filled in, with ``choices``: value → code (any target)."""
    url = reverse("imports:recodes", args=[job.project.slug, job.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    data = {}
    for row in form.rows:
        data[row.field] = choices.get(row.value, str(form.fields[row.field].initial or ""))
    return client.post(url, data)


def check_and_run(client: Client, job: ImportJob, capture: Any) -> ImportJob:
    job.refresh_from_db()
    assert job.state == "mapped", (job.state, job.failure_reason)
    with capture(execute=True):
        client.post(reverse("imports:start", args=[job.project.slug, job.pk]))
    job.refresh_from_db()
    assert job.state == "done"
    return job


def full_import(client: Client, job: ImportJob, capture: Any, **choices: str) -> ImportJob:
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = map_as_suggested(client, job)
        assert response.status_code == 302, response.content.decode()[:2000]
        if response["Location"].endswith("/recodes/"):
            assert recode(client, job, **choices).status_code == 302
    return check_and_run(client, job, capture)


def texts(project: Project) -> dict[str, Feedback]:
    return {
        open_for_system(f, "content", purpose=SystemPurpose.TEST) or "": f
        for f in Feedback.objects.filter(project=project, source="import")
    }


# --- Kobo XLSX: device metadata, GPS question "location", repeat sheets -----------------


def test_kobo_xlsx_suggestions_skip_device_metadata_and_the_gps_question(
    client_as: ClientFor, project: Project
) -> None:
    job = upload(client_as("officer"), project, kobo_xlsx(), "kobo.xlsx")
    suggested = named(job)
    assert suggested["content"] == "group_info/message"
    assert suggested["key"] == "_uuid"
    assert suggested["received_at"] == "_submission_time"
    assert (suggested["latitude"], suggested["longitude"]) == (
        "_location_latitude",
        "_location_longitude",
    )
    assert "phone" not in suggested  # phonenumber is the device's own number
    assert "area_name" not in suggested  # "location" is a GPS question
    assert job.mapping["sheet_count"] == 2
    assert job.mapping["form"] == form_key(project.pk, form_id=FORM_ID)


def test_kobo_xlsx_repeat_comments_join_their_submission(
    client_as: ClientFor,
    project: Project,
    area: AdminArea,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_as("officer")
    job = upload(client, project, kobo_xlsx(), "kobo.xlsx")
    page = client.get(reverse("imports:mapping", args=[project.slug, job.pk])).content.decode()
    assert "The file has 2 sheets." in page
    sheets_url = reverse("imports:sheets", args=[project.slug, job.pk])
    page = client.get(sheets_url).content.decode()
    assert "comments" in page
    assert "Repeat group" in page
    response = client.post(sheets_url, {"base": "0", "others": ["1"]})
    assert response.status_code == 302
    job.refresh_from_db()
    headers = headers_of(job)
    assert "comments/comment" in headers
    # The repeat group's comment is offered as more text, already ticked.
    assert [headers[i] for i in job.mapping["more_text"]] == ["comments/comment"]

    job = full_import(client, job, django_capture_on_commit_callbacks, thanks="appreciation")
    assert (job.created, job.failed) == (3, 0)
    records = texts(project)
    first = next(f for t, f in records.items() if t.startswith("Pa gen dlo"))
    text = next(t for t in records if t.startswith("Pa gen dlo"))
    assert "comments/comment: The tap at block C leaks\nWomen fear going at night" in text
    assert (first.type_code, first.language) == ("complaint", "ht")
    # GPS → position (coarsened, about 1 km) and the area it falls in.
    assert (first.lat, first.lon, first.area_id) == (0.5, 0.5, area.pk)
    # The XLSX's naive times are the phone's local time: the project's zone (Haiti).
    thanks = next(f for t, f in records.items() if t.startswith("Merci"))
    assert thanks.type_code == "appreciation"
    assert thanks.received_at == datetime(2024, 3, 14, 13, 33, tzinfo=HAITI).astimezone(UTC)
    assert thanks.lat is None


def test_kobo_repeat_rows_become_records_linked_to_their_submission(
    client_as: ClientFor,
    project: Project,
    personas: dict[str, User],
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_as("officer")
    full_import(
        client,
        upload(client, project, kobo_xlsx(), "kobo.xlsx"),
        django_capture_on_commit_callbacks,
    )

    job = upload(client, project, kobo_xlsx(), "kobo-comments.xlsx")
    sheets_url = reverse("imports:sheets", args=[project.slug, job.pk])
    assert client.post(sheets_url, {"base": "1", "others": ["0"]}).status_code == 302
    job.refresh_from_db()
    suggested = named(job)
    assert suggested["content"] == "comment"  # the repeat row's own, not its submission's
    assert suggested["key"] == "_row_key"
    assert suggested["received_at"] == "Feedback form/_submission_time"
    job = full_import(client, job, django_capture_on_commit_callbacks)
    assert (job.created, job.failed) == (3, 0)

    records = texts(project)
    tap = records["The tap at block C leaks"]
    parent = next(f for t, f in records.items() if t.startswith("Pa gen dlo"))
    assert SubmissionLink.objects.filter(feedback_id=tap.pk).exists()
    visible = Feedback.objects.filter(project=project)
    assert submission_of(tap, visible) == parent
    assert {f.pk for f in repeat_rows_of(parent, visible)} == {
        tap.pk,
        records["Women fear going at night"].pk,
    }
    # Imported again: every row skipped, by its submission's uuid and its place.
    job = upload(client, project, kobo_xlsx(), "kobo-comments.xlsx")
    again = reverse("imports:sheets", args=[project.slug, job.pk])
    assert client.post(again, {"base": "1", "others": ["0"]}).status_code == 302
    job.refresh_from_db()
    assert job.mapping["saved"] is True  # this way of reading the form was saved too
    job = full_import(client, job, django_capture_on_commit_callbacks)
    assert (job.created, job.skipped) == (0, 3)


# --- Saved mappings per form ----------------------------------------------------------


def test_the_mapping_and_recodes_are_offered_on_the_next_file_of_the_form(
    client_as: ClientFor, project: Project, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_as("officer")
    job = upload(client, project, kobo_xlsx(with_repeat=False), "kobo.xlsx")
    with TestCase.captureOnCommitCallbacks(execute=True):
        map_as_suggested(client, job, col_urgency=str(headers_of(job).index("username")))
        recode(client, job, thanks="appreciation", enumerator1="high")
    saved = saved_mapping_for(project, form_key(project.pk, form_id=FORM_ID))
    assert saved is not None
    raw = SavedMapping.objects.filter(pk=saved.pk).values_list("mapping", flat=True)[0]
    assert b"group_info" not in bytes(raw)  # sealed
    mapping = open_saved(saved)
    assert mapping is not None
    assert mapping.columns["urgency"] == "username"
    assert mapping.recodes["type_code"]["thanks"] == "appreciation"
    assert not mapping.keep_phone

    again = upload(client, project, kobo_xlsx(with_repeat=False), "kobo-later.xlsx")
    assert again.mapping["saved"] is True
    assert named(again)["urgency"] == "username"
    assert again.mapping["recodes"]["type_code"]["thanks"] == "appreciation"
    page = client.get(reverse("imports:mapping", args=[project.slug, again.pk])).content.decode()
    assert "This form was imported before" in page


def test_apply_mapping_reads_row_dicts_as_a_file(
    project: Project, personas: dict[str, User], area: AdminArea
) -> None:
    """The way in for pulls: a saved mapping applied to rows as the APIs give them."""
    named_mapping = NamedMapping(
        columns={
            "content": "group/message",
            "key": "_uuid",
            "received_at": "_submission_time",
            "gps": "_geolocation",
            "type_code": "kind",
            "language": "lang",
            "sector": "sectors",
        },
        recodes={"type_code": {"feedback": "suggestion"}, "language": {"somali": "so"}},
    )
    rows: list[dict[str, Any]] = [
        {
            "group/message": "Cash came late",
            "_uuid": UUIDS[0],
            "_submission_time": "2024-03-14T09:36:52",
            "_geolocation": [0.5, 0.5],
            "kind": "feedback",
            "lang": "somali",
            "sectors/cash": "1",
            "sectors/food": "0",
        },
        {"group/message": "", "_uuid": UUIDS[1], "_submission_time": "2024-03-14T09:40:00"},
    ]
    parsed = apply_mapping(project, named_mapping, rows)
    assert [p.problems for p in parsed][0] == []
    assert parsed[0].values["type_code"] == "suggestion"
    assert parsed[0].values["language"] == "so"
    assert parsed[0].values["sector"] == "cash"  # split columns joined
    assert (parsed[0].values["lat"], parsed[0].values["lon"]) == (0.5, 0.5)
    assert parsed[0].values["received_at"] == datetime(2024, 3, 14, 9, 36, 52, tzinfo=HAITI)
    assert [p.reason for p in parsed[1].problems] == ["empty_text"]
    actor = viewer_for(personas["officer"], project.pk)
    assert actor is not None
    assert FeedbackRowSink(project).store(parsed[0], actor)
    record = Feedback.objects.get(project=project)
    assert (record.area_id, record.type_code) == (area.pk, "suggestion")


# --- CSV shapes -----------------------------------------------------------------------


def test_kobo_csv_with_hxl_row(
    client_as: ClientFor, project: Project, area: AdminArea, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_as("officer")
    job = upload(client, project, kobo_csv_hxl(), "kobo.csv")
    assert job.total == 2  # the tag row is not a row
    suggested = named(job)
    assert suggested["received_at"] == "_submission_time"  # #date+submitted before #date
    assert suggested["area_pcode"] == "adm1_pcode"
    assert suggested["area_name"] == "commune"
    assert "phone" not in suggested
    job = full_import(client, job, django_capture_on_commit_callbacks)
    assert (job.created, job.failed) == (2, 0)
    record = texts(project)["Water is dirty"]
    assert record.received_at == datetime(2024, 3, 14, 7, 0, tzinfo=UTC)
    assert record.area_id == area.pk


def test_odk_central_csv(
    client_as: ClientFor, project: Project, area: AdminArea, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_as("officer")
    job = upload(client, project, odk_central_csv(), "feedback.csv")
    suggested = named(job)
    assert suggested["key"] == "meta-instanceID"
    assert suggested["received_at"] == "SubmissionDate"
    assert (suggested["latitude"], suggested["longitude"]) == ("gps-Latitude", "gps-Longitude")
    assert "phone" not in suggested
    job = full_import(client, job, django_capture_on_commit_callbacks, nfi="shelter", feedback="")
    assert (job.created, job.failed) == (2, 0)
    records = texts(project)
    oil = records["Food basket missing oil"]
    assert (oil.language, oil.lat, oil.lon, oil.area_id) == ("ha", 0.25, 0.75, area.pk)
    assert (oil.type_code, oil.sector) == ("complaint", "shelter")
    assert oil.received_at == datetime(2024, 3, 14, 13, 36, 52, 123000, tzinfo=UTC)
    cash = records["Ask about cash"]
    assert (cash.language, cash.type_code, cash.sector, cash.lat) == ("so", "uncoded", "cash", None)


def test_kobocat_csv_select_multiple_split_and_named_dates(
    client_as: ClientFor, project: Project, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_as("officer")
    job = upload(client, project, kobocat_csv(), "kobocat.csv")
    suggested = named(job)
    assert suggested["sector"] == "sectors"  # joined from sectors/wash, sectors/food…
    assert suggested["gps"] == "_geolocation"
    job = full_import(client, job, django_capture_on_commit_callbacks)
    assert (job.created, job.failed) == (2, 0)
    records = texts(project)
    latrines = records["Latrines are full"]
    assert latrines.sector == "wash"  # "wash shelter": the first with a code
    assert latrines.received_at == datetime(2024, 3, 14, 13, 36, 52, tzinfo=HAITI)
    assert (latrines.lat, latrines.lon) == (0.5, 0.5)
    rice = records["Rice ran out"]
    assert (rice.sector, rice.lat) == ("food", None)  # "[None, None]": no position


# --- Recoding -------------------------------------------------------------------------


def test_recoding_screen_lists_choice_values_and_reads_the_xlsform(
    client_as: ClientFor, project: Project
) -> None:
    client = client_as("officer")
    job = upload(client, project, kobo_xlsx(with_repeat=False), "kobo.xlsx")
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = map_as_suggested(client, job)
    assert response["Location"].endswith("/recodes/")
    url = response["Location"]
    page = client.get(url)
    rows = {(r.target, r.value): r for r in page.context["form"].rows}
    assert set(rows) == {
        ("type_code", "complaint"),
        ("type_code", "feedback"),
        ("type_code", "thanks"),
        ("language", "kreyol"),
        ("language", "english"),
        ("language", "francais"),
    }
    form = page.context["form"]
    assert form.fields[rows[("language", "kreyol")].field].initial == "ht"
    assert rows[("type_code", "feedback")].unfit  # the person chooses, or leaves it empty
    assert not rows[("type_code", "thanks")].unfit
    assert "Pa gen dlo" not in page.content.decode()  # values of choice columns only

    # The XLSForm's labels fill in what the names did not ("feedback" → Suggestion).
    page = client.post(url, {"xlsform": SimpleUploadedFile("form.xlsx", xlsform())})
    assert page.status_code == 200
    rows = {(r.target, r.value): r for r in page.context["form"].rows}
    assert page.context["form"].fields[rows[("type_code", "feedback")].field].initial == (
        "suggestion"
    )
    bad = client.post(url, {"xlsform": SimpleUploadedFile("form.xlsx", b"not a form")})
    assert bad.status_code == 400
    assert "Excel (XLSX)" in bad.content.decode()


def test_an_unfit_optional_value_never_fails_the_row(
    client_as: ClientFor, project: Project, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_as("officer")
    job = upload(client, project, kobo_xlsx(with_repeat=False), "kobo.xlsx")
    job = full_import(client, job, django_capture_on_commit_callbacks, thanks="")
    assert (job.created, job.failed) == (3, 0)
    assert texts(project)["Merci pour les kits"].type_code == "uncoded"


# --- Dates -----------------------------------------------------------------------------


def test_a_missing_date_is_asked_for(
    client_as: ClientFor, project: Project, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_as("officer")
    job = upload(client, project, b"message\nNo date here\nNor here\n", "plain.csv")
    assert "received_at" not in job.mapping["columns"]
    response = map_as_suggested(client, job)
    assert response.status_code == 400
    assert "No column holds the date" in response.content.decode()
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = map_as_suggested(client, job, fixed_date="2024-03-01")
    assert response.status_code == 302
    job = check_and_run(client, job, django_capture_on_commit_callbacks)
    assert job.created == 2
    assert {f.received_at for f in Feedback.objects.filter(project=project)} == {
        datetime(2024, 3, 1, tzinfo=HAITI)
    }


def test_an_empty_date_cell_fails_the_row_without_a_date_for_all(
    client_as: ClientFor, project: Project
) -> None:
    client = client_as("officer")
    job = upload(client, project, b"message;date\nWith;2024-03-01\nWithout;\n", "plain.csv")
    with TestCase.captureOnCommitCallbacks(execute=True):
        map_as_suggested(client, job)
    job.refresh_from_db()
    assert job.dry_run == {"ok": 1, "existing": 0, "failed": 1}
    assert job.errors[0]["reason"] == "missing_date"


def test_time_zone_override(client_as: ClientFor, project: Project) -> None:
    client = client_as("officer")
    job = upload(client, project, b"message;date\nHello;14/03/2024 09:36\n", "plain.csv")
    page = client.get(reverse("imports:mapping", args=[project.slug, job.pk])).content.decode()
    assert 'value="America/Port-au-Prince" selected' in page
    with TestCase.captureOnCommitCallbacks(execute=True):
        map_as_suggested(client, job, time_zone="Africa/Mogadishu")
    job.refresh_from_db()
    assert job.mapping["time_zone"] == "Africa/Mogadishu"
    assert job.dry_run["ok"] == 1
