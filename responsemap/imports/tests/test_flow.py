from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from django.urls import reverse

from responsemap.accounts.models import Membership
from responsemap.accounts.queries import viewer_for
from responsemap.geo.models import AdminArea
from responsemap.imports import reader, tasks, views
from responsemap.imports.checking import job_table
from responsemap.imports.feedback_rows import FeedbackRowSink
from responsemap.imports.mapping import Mapping, parse_rows
from responsemap.imports.models import ImportJob
from responsemap.imports.tests.kobo import (
    BAD_ROWS,
    GOOD,
    HEADERS,
    Row,
    csv_bytes,
    xlsx_bytes,
)
from responsemap.intake.contacts.models import Contact
from responsemap.projects.models import Project
from responsemap.protection.audit import event_details
from responsemap.protection.fields import Sealed
from responsemap.protection.models import AuditEvent
from responsemap.triage.models import Feedback

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]
Capture = Callable[..., Any]

BAD = BAD_ROWS


def upload(client: Client, project: Project, data: bytes, name: str = "export.csv") -> Any:
    return client.post(
        reverse("imports:upload", args=[project.slug]),
        {"file": SimpleUploadedFile(name, data)},
    )


def mapping_post(job: ImportJob, **changes: str) -> dict[str, str]:
    """The mapping form as suggested, with ``changes`` (target → column index or "")."""
    data = {f"col_{target}": str(index) for target, index in job.mapping["columns"].items()}
    data.update({"date_order": "dmy", "keep_phone": "on"})
    data.update({f"col_{k}": v for k, v in changes.items()})
    return data


def recode_as_suggested(client: Client, url: str, **changes: str) -> Any:
    """The recoding screen sent as it was filled in (with ``changes``: field → code)."""
    page = client.get(url)
    if page.status_code == 302:  # a file that can't be read goes to its check
        return page
    assert page.status_code == 200
    form = page.context["form"]
    data = {name: str(field.initial or "") for name, field in form.fields.items()}
    data.update(changes)
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:800]
    return response


def prepared_job(
    client: Client, project: Project, data: bytes, name: str = "export.csv", **changes: str
) -> ImportJob:
    """Uploaded, mapped as suggested (with ``changes``) and checked by the worker."""
    response = upload(client, project, data, name)
    assert response.status_code == 302, response.content.decode()[:500]
    # The file name is sealed: the newest upload is this one.
    job = ImportJob.objects.filter(project=project, state="uploaded").latest("created_at")
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse("imports:mapping", args=[project.slug, job.pk]), mapping_post(job, **changes)
        )
        assert response.status_code == 302
        if response["Location"].endswith("/recodes/"):
            response = recode_as_suggested(client, response["Location"])
    job_url = reverse("imports:job", args=[project.slug, job.pk])
    assert response["Location"] == job_url
    job.refresh_from_db()
    if job.state == "mapped":  # once checked, the job page leads to the result
        assert client.get(job_url)["Location"] == reverse(
            "imports:check", args=[project.slug, job.pk]
        )
    return job


def run(client: Client, project: Project, job: ImportJob, capture: Capture) -> ImportJob:
    with capture(execute=True):
        response = client.post(reverse("imports:start", args=[project.slug, job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    return job


def test_upload_suggests_and_stores_the_file_sealed(client_as: ClientFor, project: Project) -> None:
    client = client_as("officer")
    data = csv_bytes(GOOD)
    response = upload(client, project, data)
    job = ImportJob.objects.get(project=project)
    assert response["Location"] == reverse("imports:mapping", args=[project.slug, job.pk])
    assert job.state == "uploaded"
    assert job.file_kind == "csv"
    assert job.total == 3
    assert isinstance(job.content, Sealed)
    raw = ImportJob.objects.filter(pk=job.pk).values_list("content", flat=True)[0]
    assert b"Pa gen dlo" not in bytes(raw)
    assert b"3712" not in bytes(raw)
    assert AuditEvent.objects.filter(action="import.upload", object_id=str(job.pk)).exists()

    page = client.get(reverse("imports:mapping", args=[project.slug, job.pk])).content.decode()
    assert 'value="15" selected' in page  # _uuid suggested as the row key
    assert "Pa gen dlo" not in page  # no cell value on the mapping screen


def test_dry_run_reports_rows_and_writes_nothing(
    client_as: ClientFor, project: Project, area: AdminArea
) -> None:
    client = client_as("officer")
    job = prepared_job(client, project, csv_bytes(GOOD + BAD))
    assert job.state == "mapped"
    assert job.dry_run == {"ok": 3, "existing": 0, "failed": 2}
    # Errors name a column by its number (the headers are sealed).
    named = [(e["row"], HEADERS[e["column"]], e["reason"]) for e in job.errors]
    assert sorted(named) == [
        (5, "_submission_time", "bad_date"),
        (5, "admin1_pcode", "unknown_area"),
        (6, "group_info/message", "empty_text"),
        (6, "group_info/phone", "bad_phone"),
    ]
    assert not Feedback.objects.exists()
    assert not Contact.objects.exists()
    page = client.get(reverse("imports:check", args=[project.slug, job.pk])).content.decode()
    assert "No area of this project has this P-code or name." in page
    assert "Import 3 rows" in page
    for value in ["call me maybe", "ZZ99", "gossip", "31/02/2024"]:
        assert value not in page  # errors name rows and columns, never values


@pytest.mark.parametrize(("name", "make"), [("export.csv", csv_bytes), ("export.xlsx", xlsx_bytes)])
def test_import_creates_sealed_feedback(
    client_as: ClientFor,
    project: Project,
    area: AdminArea,
    django_capture_on_commit_callbacks: Capture,
    name: str,
    make: Callable[[list[Row]], bytes],
) -> None:
    client = client_as("officer")
    job = prepared_job(client, project, make(GOOD), name)
    job = run(client, project, job, django_capture_on_commit_callbacks)
    assert (job.state, job.processed, job.created, job.skipped, job.failed) == ("done", 3, 3, 0, 0)
    assert job.content is None  # the file is deleted once imported
    records = {r.received_at.day: r for r in Feedback.objects.filter(project=project)}
    first, second, third = records[5], records[6], records[7]
    assert all(r.source == "import" for r in records.values())
    assert first.area == area
    assert second.area == area
    assert (first.type_code, first.sector, first.urgency) == ("complaint", "wash", "high")
    assert (first.gender, first.age_band, first.language) == ("female", "25-59", "fr")
    assert (second.gender, second.age_band, second.sector, second.language) == (
        "male",
        "18-24",
        "food",
        "en",
    )
    assert second.urgency == "normal"
    assert third.gender == "unknown"
    assert first.contact is not None
    assert third.contact is None
    assert isinstance(first.content, Sealed)
    raw = Feedback.objects.filter(pk=first.pk).values_list("content", flat=True)[0]
    assert b"Pa gen dlo" not in bytes(raw)
    assert first.redacted_content  # the redaction task ran after commit
    assert first.created_by_id == job.created_by_id
    assert AuditEvent.objects.filter(action="feedback.create", purpose="import").count() == 3
    assert AuditEvent.objects.filter(action="import.finish", object_id=str(job.pk)).exists()


def test_reimport_is_idempotent(
    client_as: ClientFor,
    project: Project,
    area: AdminArea,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    client = client_as("officer")
    run(
        client,
        project,
        prepared_job(client, project, csv_bytes(GOOD)),
        django_capture_on_commit_callbacks,
    )
    assert Feedback.objects.count() == 3

    again = prepared_job(client, project, xlsx_bytes(GOOD), "export-again.xlsx")
    assert again.dry_run == {"ok": 0, "existing": 3, "failed": 0}
    again = run(client, project, again, django_capture_on_commit_callbacks)
    assert (again.created, again.skipped, again.failed) == (0, 3, 0)
    assert Feedback.objects.count() == 3


def test_reimport_without_a_key_column_uses_the_row_content(
    client_as: ClientFor,
    project: Project,
    area: AdminArea,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    client = client_as("officer")
    for attempt in range(2):
        job = prepared_job(client, project, csv_bytes(GOOD), f"no-key-{attempt}.csv", key="")
        job = run(client, project, job, django_capture_on_commit_callbacks)
        assert (job.created, job.skipped) == ((3, 0) if attempt == 0 else (0, 3))
    edited: list[Row] = [(GOOD[0][0], "An edited message", *GOOD[0][2:])]
    job = prepared_job(client, project, csv_bytes(edited), "edited.csv", key="")
    job = run(client, project, job, django_capture_on_commit_callbacks)
    assert job.created == 1  # an edited row is a new record (documented)


def test_bad_rows_reported_good_rows_imported_report_has_no_personal_data(
    client_as: ClientFor,
    project: Project,
    area: AdminArea,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    client = client_as("officer")
    job = run(
        client,
        project,
        prepared_job(client, project, csv_bytes(GOOD + BAD)),
        django_capture_on_commit_callbacks,
    )
    assert (job.state, job.created, job.skipped, job.failed) == ("done", 3, 0, 2)
    assert Feedback.objects.count() == 3

    response = client.get(reverse("imports:errors", args=[project.slug, job.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Cache-Control"] == "no-store"
    body = response.content.decode()
    lines = list(csv.reader(io.StringIO(body)))
    assert lines[0] == ["row", "column", "reason"]
    assert ["6", "group_info/phone", "This is not a phone number we can read."] in lines
    assert ["5", "admin1_pcode", "No area of this project has this P-code or name."] in lines
    for value in ["call me maybe", "Row with an unknown area", "ZZ99", "gossip", "31/02/2024"]:
        assert value not in body

    page = client.get(reverse("imports:job", args=[project.slug, job.pk])).content.decode()
    assert 'http-equiv="refresh"' not in page  # finished: no more refreshing
    assert 'id="count-created">3<' in page
    assert 'id="count-failed">2<' in page
    assert "call me maybe" not in page


def test_protection_concerns_are_imported_as_sensitive(
    client_as: ClientFor, project: Project, django_capture_on_commit_callbacks: Capture
) -> None:
    row: Row = ("", "Invented protection concern", "", "", "", "", "Protection concern", "", "", "",
           "c0000000-0000-4000-8000-000000000001", "2024-03-05")  # fmt: skip
    client = client_as("officer")
    run(
        client,
        project,
        prepared_job(client, project, csv_bytes([row])),
        django_capture_on_commit_callbacks,
    )
    record = Feedback.objects.get(project=project)
    assert (record.type_code, record.sensitivity) == ("protection", "sensitive")


def test_phone_numbers_need_the_consent_confirmation(
    client_as: ClientFor, project: Project
) -> None:
    client = client_as("officer")
    upload(client, project, csv_bytes(GOOD))
    job = ImportJob.objects.get(project=project)
    data = mapping_post(job)
    del data["keep_phone"]
    response = client.post(reverse("imports:mapping", args=[project.slug, job.pk]), data)
    assert response.status_code == 400
    assert "agreed to their phone number being kept" in response.content.decode()
    job.refresh_from_db()
    assert job.state == "uploaded"
    assert (
        client.post(
            reverse("imports:mapping", args=[project.slug, job.pk]), mapping_post(job, phone="")
        ).status_code
        == 302
    )


def test_mapping_needs_the_text_and_distinct_columns(
    client_as: ClientFor, project: Project
) -> None:
    client = client_as("officer")
    upload(client, project, csv_bytes(GOOD))
    job = ImportJob.objects.get(project=project)
    url = reverse("imports:mapping", args=[project.slug, job.pk])
    assert client.post(url, mapping_post(job, content="")).status_code == 400
    twice = client.post(url, mapping_post(job, gender="5"))
    assert twice.status_code == 400
    assert "already used" in twice.content.decode()


def test_too_large_file_is_refused_clearly(
    client_as: ClientFor, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "MAX_FILE_BYTES", 1000)
    response = upload(client_as("officer"), project, csv_bytes(GOOD * 20))
    assert response.status_code == 400
    assert "larger than 10 MB" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_file_over_the_row_limit_or_unreadable_is_refused(
    client_as: ClientFor, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = client_as("officer")
    monkeypatch.setattr(reader, "MAX_ROWS", 2)
    response = upload(client, project, csv_bytes(GOOD))
    assert response.status_code == 400
    assert "more than 50,000 rows" in response.content.decode()
    response = upload(client, project, b"\xd0\xcf\x11\xe0", "old.xls")
    assert "save it as .xlsx or CSV" in response.content.decode()
    assert client.post(reverse("imports:upload", args=[project.slug])).status_code == 400
    assert not ImportJob.objects.exists()


def test_progress_page_refreshes_while_running(client_as: ClientFor, project: Project) -> None:
    client = client_as("officer")
    job = prepared_job(client, project, csv_bytes(GOOD))
    ImportJob.objects.filter(pk=job.pk).update(state="running", processed=1)
    url = reverse("imports:job", args=[project.slug, job.pk])
    page = client.get(url).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page
    assert '<progress id="import-progress" max="3" value="1">' in page
    assert "1 of 3 rows" in page
    calm = client.get(url, {"refresh": "off"}).content.decode()
    assert 'http-equiv="refresh"' not in calm
    assert ">Resume</button>" not in page  # it is not stale


def test_a_stalled_import_resumes_where_it_stopped(
    client_as: ClientFor,
    project: Project,
    area: AdminArea,
    django_capture_on_commit_callbacks: Capture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = client_as("officer")
    job = prepared_job(client, project, csv_bytes(GOOD))
    # The worker stores one batch (of 2 rows), then dies before the next.
    monkeypatch.setattr(tasks, "BATCH_SIZE", 2)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("imports:start", args=[project.slug, job.pk]))
    job.refresh_from_db()
    mapping = Mapping.from_json(job.mapping)
    rows = parse_rows(project, job_table(job), mapping)
    actor = viewer_for(job.created_by, project.pk)
    assert actor is not None
    assert tasks._run_batch(job, rows, mapping, FeedbackRowSink(project), actor)
    job.refresh_from_db()
    assert (job.state, job.processed, job.created) == ("running", 2, 2)

    url = reverse("imports:job", args=[project.slug, job.pk])
    assert ">Resume</button>" not in client.get(url).content.decode()  # not stalled yet
    ImportJob.objects.filter(pk=job.pk).update(updated_at=job.updated_at - timedelta(minutes=5))
    assert ">Resume</button>" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:resume", args=[project.slug, job.pk]))
    job.refresh_from_db()
    assert (job.state, job.processed, job.created, job.skipped) == ("done", 3, 3, 0)
    assert Feedback.objects.count() == 3
    assert AuditEvent.objects.filter(action="import.resume").count() == 1


def test_the_task_is_idempotent(
    client_as: ClientFor,
    project: Project,
    area: AdminArea,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    client = client_as("officer")
    job = run(
        client,
        project,
        prepared_job(client, project, csv_bytes(GOOD)),
        django_capture_on_commit_callbacks,
    )
    tasks.run_import.call(str(job.pk))  # a duplicate delivery of the task
    job.refresh_from_db()
    assert (job.created, job.skipped) == (3, 0)
    assert Feedback.objects.count() == 3


def test_import_stops_if_the_importer_lost_the_permission(
    client_as: ClientFor,
    project: Project,
    personas: dict[str, Any],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    client = client_as("officer")
    job = prepared_job(client, project, csv_bytes(GOOD))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("imports:start", args=[project.slug, job.pk]))
    Membership.objects.filter(user=personas["officer"]).update(is_active=False)
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert (job.state, job.failure_reason) == ("failed", "not_allowed")
    assert not Feedback.objects.exists()


def urls_for(project: Project, job: ImportJob) -> list[tuple[str, str]]:
    slug, pk = project.slug, job.pk
    return [
        ("get", reverse("imports:index", args=[slug])),
        ("post", reverse("imports:upload", args=[slug])),
        ("get", reverse("imports:mapping", args=[slug, pk])),
        ("post", reverse("imports:mapping", args=[slug, pk])),
        ("get", reverse("imports:check", args=[slug, pk])),
        ("post", reverse("imports:start", args=[slug, pk])),
        ("post", reverse("imports:resume", args=[slug, pk])),
        ("post", reverse("imports:discard", args=[slug, pk])),
        ("get", reverse("imports:job", args=[slug, pk])),
        ("get", reverse("imports:errors", args=[slug, pk])),
    ]


@pytest.mark.parametrize("persona", ["outsider", "donor", "partner", "protection", "sysadmin"])
def test_who_may_not_import_gets_404_and_changes_nothing(
    client_as: ClientFor, project: Project, persona: str
) -> None:
    job = prepared_job(client_as("officer"), project, csv_bytes(GOOD))
    events = AuditEvent.objects.filter(project_id=project.pk).count()
    client = client_as(persona)
    for method, url in urls_for(project, job):
        if method == "post":
            response = client.post(url, {"file": SimpleUploadedFile("x.csv", csv_bytes(GOOD))})
        else:
            response = client.get(url)
        assert response.status_code == 404, (persona, url)
    job.refresh_from_db()
    assert job.state == "mapped"
    assert ImportJob.objects.count() == 1
    assert AuditEvent.objects.filter(project_id=project.pk).count() == events


@pytest.mark.parametrize("persona", ["operator", "officer", "manager"])
def test_who_may_import(client_as: ClientFor, project: Project, persona: str) -> None:
    client = client_as(persona)
    page = client.get(reverse("imports:index", args=[project.slug]))
    assert page.status_code == 200
    assert reverse("imports:index", args=[project.slug]) in page.content.decode()  # nav link
    assert upload(client, project, csv_bytes(GOOD)).status_code == 302


def test_jobs_of_another_project_are_404(
    client_as: ClientFor, project: Project, other_project: Project
) -> None:
    job = prepared_job(client_as("officer"), project, csv_bytes(GOOD))
    outsider = client_as("outsider")  # an officer of the other project
    assert outsider.get(reverse("imports:index", args=[other_project.slug])).status_code == 200
    for url in [
        reverse("imports:job", args=[other_project.slug, job.pk]),
        reverse("imports:check", args=[other_project.slug, job.pk]),
        reverse("imports:errors", args=[other_project.slug, job.pk]),
        reverse("imports:job", args=[project.slug, "not-a-uuid"]),
    ]:
        assert outsider.get(url).status_code == 404


def test_anonymous_is_sent_to_sign_in(project: Project) -> None:
    response = Client().get(reverse("imports:index", args=[project.slug]))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    response = Client().post(reverse("imports:upload", args=[project.slug]))
    assert response.status_code == 302


def test_discard_deletes_the_job_and_its_file(client_as: ClientFor, project: Project) -> None:
    client = client_as("officer")
    job = prepared_job(client, project, csv_bytes(GOOD))
    response = client.post(reverse("imports:discard", args=[project.slug, job.pk]))
    assert response.status_code == 302
    assert not ImportJob.objects.exists()
    assert AuditEvent.objects.filter(action="import.discard", object_id=str(job.pk)).exists()


def test_xlsx_rows_are_counted_by_the_check(
    client_as: ClientFor, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = client_as("officer")
    upload(client, project, xlsx_bytes(GOOD), "export.xlsx")
    job = ImportJob.objects.get(project=project)
    assert job.total == 0  # an XLSX is read whole only in the background
    page = client.get(reverse("imports:mapping", args=[project.slug, job.pk])).content.decode()
    assert "18 columns" in page

    with TestCase.captureOnCommitCallbacks(execute=False):
        response = client.post(
            reverse("imports:mapping", args=[project.slug, job.pk]), mapping_post(job)
        )
        job.refresh_from_db()
        assert job.state == "uploaded"  # the coded columns' values are recoded first
        recode_as_suggested(client, response["Location"])
    job.refresh_from_db()
    assert job.state == "checking"
    page = client.get(reverse("imports:job", args=[project.slug, job.pk])).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page
    assert "Checking the file" in page
    check = client.get(reverse("imports:check", args=[project.slug, job.pk]))
    assert check["Location"] == reverse("imports:job", args=[project.slug, job.pk])

    tasks.check_import.call(str(job.pk))
    job.refresh_from_db()
    assert (job.state, job.total) == ("mapped", 3)


def test_a_check_that_finds_too_many_rows_stops_clearly(
    client_as: ClientFor, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader, "MAX_ROWS", 2)
    client = client_as("officer")
    job = prepared_job(client, project, xlsx_bytes(GOOD), "export.xlsx")
    assert (job.state, job.failure_reason) == ("failed", "too_many_rows")
    page = client.get(reverse("imports:job", args=[project.slug, job.pk])).content.decode()
    assert "more than 50,000 rows" in page
    assert "Delete this import and its file" in page


def test_upload_checks_the_csrf_token(personas: dict[str, Any], project: Project) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas["officer"])
    response = upload(client, project, csv_bytes(GOOD))
    assert response.status_code == 403
    assert not ImportJob.objects.exists()


def test_keeping_phone_numbers_is_audited(client_as: ClientFor, project: Project) -> None:
    job = prepared_job(client_as("officer"), project, csv_bytes(GOOD))
    # Mapped, then recoded: each step audited.
    event = AuditEvent.objects.filter(action="import.map", object_id=str(job.pk)).first()
    assert event is not None
    assert event.purpose == "phone numbers kept: consent confirmed"
    assert "phone" in event_details([event])[0].fields  # sealed with the project key
