"""The XLSForm given on the recoding screen streams into memory and is dropped once over
its limit: never spooled to a temporary file on disk (it is the project's form; the
screen reads it and keeps nothing), and the CSRF check still holds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.test import Client, TestCase

from responsemap.imports import recode_views
from responsemap.imports.models import ImportJob
from responsemap.imports.tests.exports import kobo_xlsx, xlsform
from responsemap.imports.tests.test_kobo_odk import map_as_suggested, upload
from responsemap.projects.models import Project

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]


def _recodes_url(client: Client, project: Project) -> str:
    job = upload(client, project, kobo_xlsx(with_repeat=False), "kobo.xlsx")
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = map_as_suggested(client, job)
    assert response["Location"].endswith("/recodes/")
    return str(response["Location"])


def test_an_xlsform_over_the_limit_is_refused_in_words_and_never_touches_the_disk(
    client_as: ClientFor, project: Project, settings: Any, monkeypatch: Any
) -> None:
    client = client_as("officer")
    url = _recodes_url(client, project)
    # Django's own handlers would spool anything over this to a temporary file.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1

    def no_temporary_file(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("an upload was spooled to disk")

    monkeypatch.setattr(TemporaryUploadedFile, "__init__", no_temporary_file)
    monkeypatch.setattr(recode_views, "MAX_FORM_BYTES", 4096)
    big = client.post(url, {"xlsform": SimpleUploadedFile("form.xlsx", b"x" * 10_000)})
    assert big.status_code == 400
    assert "larger than" in big.content.decode()
    assert big.context["form"].rows  # the screen is shown again, nothing saved
    job = ImportJob.objects.get(project=project)
    assert job.state == ImportJob.State.MAPPED or job.state == ImportJob.State.UPLOADED

    monkeypatch.setattr(recode_views, "MAX_FORM_BYTES", 2 * 1024 * 1024)
    read = client.post(url, {"xlsform": SimpleUploadedFile("form.xlsx", xlsform())})
    assert read.status_code == 200
    assert read.context["form_read"]


def test_the_recoding_screen_still_checks_csrf(client_as: ClientFor, project: Project) -> None:
    client = client_as("officer")
    url = _recodes_url(client, project)
    client.handler.enforce_csrf_checks = True
    response = client.post(url, {"xlsform": SimpleUploadedFile("form.xlsx", xlsform())})
    assert response.status_code == 403
