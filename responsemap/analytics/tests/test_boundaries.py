from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from responsemap.geo.boundaries import load_geojson, read_boundaries
from responsemap.geo.models import AdminArea
from responsemap.protection.models import AuditEvent
from responsemap.triage.models import Feedback

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent.parent / "data"
ADM1, ADM2 = DATA / "invented_adm1.geojson", DATA / "invented_adm2.geojson"


def box(x0: float, y0: float, x1: float, y1: float) -> dict[str, Any]:
    return {
        "type": "Polygon",
        "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]],
    }


def collection(*features: tuple[str, str, dict[str, Any] | None]) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"PC": pc, "NM": nm}, "geometry": geometry}
            for pc, nm, geometry in features
        ],
    }


def test_the_shipped_files_import_cleanly_with_parents_by_prefix(project: Any) -> None:
    out = StringIO()
    call_command("import_boundaries", ADM1, "--project", project.slug, "--level", "1", stdout=out)
    call_command(
        "import_boundaries", ADM2, "--project", project.slug, "--level", "2",
        "--name-in", "fr=ADM2_FR", stdout=out,
    )  # fmt: skip
    text = out.getvalue()
    for finding in ("No parent", "Overlap", "Gap"):
        assert finding not in text
    district = AdminArea.objects.get(project=project, pcode="XA0102")
    assert district.parent is not None
    assert district.parent.pcode == "XA01"
    assert district.names == {"fr": "Bord-du-Lac (inventé)"}
    assert (district.min_lon, district.max_lat) == (11, 2)
    assert AuditEvent.objects.filter(project_id=project.pk, action="area.import").count() == 2


def test_the_check_reports_every_kind_of_problem(project: Any) -> None:
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    ring = {
        "type": "Polygon",
        "coordinates": [
            [[0, 0], [9, 0], [9, 9], [0, 9], [0, 0]],
            [[4, 4], [5, 4], [5, 5], [4, 5], [4, 4]],
        ],
    }
    data = collection(
        ("A1", "Ring", ring),
        ("A2", "Overlapping", box(8, 8, 10, 10)),
        ("A3", "Bow tie", bowtie),
        ("", "No code", box(20, 20, 21, 21)),
        ("A2", "Twice", box(30, 30, 31, 31)),
        ("A4", "A point", {"type": "Point", "coordinates": [1, 1]}),
        ("A5", "Nothing", None),
    )
    report = read_boundaries(project.pk, data, level=2, pcode_field="PC", name_field="NM")
    assert [b.pcode for b in report.boundaries] == ["A1", "A2", "A3"]
    assert len(report.skipped) == 4
    assert [r.split(" ")[0] for r in report.repaired] == ["A3"]
    assert ("A1", "A2") in report.overlaps
    assert len([g for g in report.gaps if "hole" in g]) == 1
    assert report.missing_parents == ["A1", "A2", "A3"]  # no level 1 in the project


def test_a_child_level_that_leaves_part_of_its_parent_uncovered_is_a_gap(project: Any) -> None:
    call_command(
        "import_boundaries", ADM1, "--project", project.slug, "--level", "1", stdout=StringIO()
    )
    data = collection(("XA0101", "Half", box(10, 1, 11, 2)))
    report = read_boundaries(project.pk, data, level=2, pcode_field="PC", name_field="NM")
    assert report.boundaries[0].parent_pcode == "XA01"
    assert any("50.0% of XA01" in gap for gap in report.gaps)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\xff\xfe", "not GeoJSON"),
        (b"[1, 2]", "not a GeoJSON FeatureCollection"),
        (b'{"type": "FeatureCollection", "features": []}', "no feature"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(raw: bytes, reason: str) -> None:
    from responsemap.geo.boundaries import BoundaryFileRefused

    with pytest.raises(BoundaryFileRefused, match=reason):
        load_geojson(raw)


def test_importing_moves_records_into_the_area_their_position_is_in(
    project: Any, make_feedback: Any
) -> None:
    call_command(
        "import_boundaries", ADM1, "--project", project.slug, "--level", "1", stdout=StringIO()
    )
    inside = make_feedback(lat=1.5, lon=11.5)
    outside = make_feedback(lat=50.0, lon=50.0)
    out = StringIO()
    call_command("import_boundaries", ADM2, "--project", project.slug, "--level", "2", stdout=out)
    assert "records moved" in out.getvalue()
    inside.refresh_from_db()
    outside.refresh_from_db()
    assert inside.area is not None
    assert inside.area.pcode == "XA0102"
    assert outside.area is None
    assert AuditEvent.objects.filter(action="feedback.rederive_area").count() >= 1
    # A second run moves nothing.
    call_command("import_boundaries", ADM2, "--project", project.slug, "--level", "2", stdout=out)
    assert Feedback.objects.get(pk=inside.pk).area_id == inside.area_id


def test_the_command_refuses_bad_arguments(project: Any, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No project"):
        call_command("import_boundaries", ADM1, "--project", "nope", "--level", "1")
    with pytest.raises(CommandError, match="Can't read"):
        call_command(
            "import_boundaries", tmp_path / "none", "--project", project.slug, "--level", "1"
        )
    bad = tmp_path / "bad.geojson"
    bad.write_text("{}")
    with pytest.raises(CommandError, match="FeatureCollection"):
        call_command("import_boundaries", bad, "--project", project.slug, "--level", "1")


def upload(name: str = "adm1.geojson", content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content if content is not None else ADM1.read_bytes())


@pytest.mark.parametrize(
    ("persona", "status"),
    [("manager", 302), ("officer", 404), ("protection", 404), ("donor", 404), ("partner", 404),
     ("operator", 404), ("outsider", 404), ("sysadmin", 404)],
)  # fmt: skip
def test_only_a_manager_imports_boundaries_from_the_screen(
    client_as: Any, project: Any, persona: str, status: int
) -> None:
    url = reverse("analytics:import_boundaries", args=[project.slug])
    response = client_as(persona).post(url, {"file": upload(), "level": "1"})
    assert response.status_code == status
    expected = 2 if status == 302 else 0
    assert AdminArea.objects.filter(project=project).count() == expected
    if status == 404:
        assert not AuditEvent.objects.filter(action="area.import").exists()


def test_the_screen_checks_only_when_asked(client_as: Any, project: Any) -> None:
    url = reverse("analytics:import_boundaries", args=[project.slug])
    client = client_as("manager")
    assert client.get(url).status_code == 200
    response = client.post(url, {"file": upload(), "level": "1", "dry_run": "on"})
    assert response.status_code == 200
    assert "2 areas of level 1 read." in response.content.decode()
    assert not AdminArea.objects.filter(project=project).exists()


@pytest.mark.parametrize(
    "content",
    [b"not json", json.dumps(collection(("", "No code", box(0, 0, 1, 1)))).encode()],
)
def test_a_bad_upload_is_a_400_with_a_reason_and_writes_nothing(
    client_as: Any, project: Any, content: bytes
) -> None:
    url = reverse("analytics:import_boundaries", args=[project.slug])
    response = client_as("manager").post(url, {"file": upload(content=content), "level": "2"})
    assert response.status_code == 400
    assert b"errorlist" in response.content
    assert not AdminArea.objects.filter(project=project).exists()
