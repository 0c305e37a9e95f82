"""The boundary screen's upload: a file over the limit is dropped as it streams in
(never spooled to a temporary file first) and refused with a reason; the form still
needs its CSRF token though its handler is set before the body is read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from responsemap.analytics import boundary_views
from responsemap.geo.models import AdminArea
from responsemap.protection.models import AuditEvent

pytestmark = pytest.mark.django_db
ADM1 = Path(boundary_views.__file__).resolve().parent / "data" / "invented_adm1.geojson"


def _file() -> SimpleUploadedFile:
    return SimpleUploadedFile("adm1.geojson", ADM1.read_bytes())


def test_a_file_over_the_limit_is_a_400_with_a_reason_and_writes_nothing(
    client_as: Any, project: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(boundary_views, "MAX_BYTES", 100)
    url = reverse("analytics:import_boundaries", args=[project.slug])
    response = client_as("manager").post(url, {"file": _file(), "level": "1"})
    assert response.status_code == 400
    assert "The file is larger than" in response.content.decode()
    assert not AdminArea.objects.filter(project=project).exists()
    assert not AuditEvent.objects.filter(action="area.import").exists()


def test_a_file_under_the_limit_is_imported(client_as: Any, project: Any) -> None:
    url = reverse("analytics:import_boundaries", args=[project.slug])
    response = client_as("manager").post(url, {"file": _file(), "level": "1"})
    assert response.status_code == 302
    assert AdminArea.objects.filter(project=project).count() == 2


def test_a_post_without_the_csrf_token_is_refused(
    client_as: Any, project: Any, personas: dict[str, Any]
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas["manager"])
    url = reverse("analytics:import_boundaries", args=[project.slug])
    response = client.post(url, {"file": _file(), "level": "1"})
    assert response.status_code == 403
    assert not AdminArea.objects.filter(project=project).exists()
