"""A failed import keeps nothing of its file: the sealed bytes go when it fails (as
when it finishes), not when someone deletes the job — which may be never."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from responsemap.accounts.models import Membership
from responsemap.imports import reader
from responsemap.imports.models import ImportJob
from responsemap.imports.tests.kobo import GOOD, csv_bytes, xlsx_bytes
from responsemap.imports.tests.test_flow import prepared_job
from responsemap.projects.models import Project
from responsemap.protection.models import AuditEvent

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]


def _raw_content(job: ImportJob) -> object:
    return ImportJob.objects.filter(pk=job.pk).values_list("content", flat=True)[0]


def test_a_check_that_fails_deletes_the_file(
    client_as: ClientFor, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader, "MAX_ROWS", 2)
    client = client_as("officer")
    job = prepared_job(client, project, xlsx_bytes(GOOD), "export.xlsx")
    assert (job.state, job.failure_reason) == ("failed", "too_many_rows")
    assert _raw_content(job) is None
    assert AuditEvent.objects.filter(action="import.fail", object_id=str(job.pk)).exists()
    page = client.get(reverse("imports:job", args=[project.slug, job.pk]))
    assert page.status_code == 200
    assert client.post(reverse("imports:discard", args=[project.slug, job.pk])).status_code == 302
    assert not ImportJob.objects.filter(pk=job.pk).exists()


def test_an_import_that_stops_deletes_the_file(
    client_as: ClientFor,
    project: Project,
    personas: dict[str, Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    client = client_as("officer")
    job = prepared_job(client, project, csv_bytes(GOOD))
    assert _raw_content(job) is not None
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("imports:start", args=[project.slug, job.pk]))
    Membership.objects.filter(user=personas["officer"]).update(is_active=False)
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert (job.state, job.failure_reason) == ("failed", "not_allowed")
    assert _raw_content(job) is None
