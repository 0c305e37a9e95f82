from __future__ import annotations

from typing import Any

import pytest

from responsemap.geo.locate import AreaNames, bounds_of, coarsen, locate_point
from responsemap.geo.models import AdminArea
from responsemap.projects.models import Project

pytestmark = pytest.mark.django_db


def square(x0: float, y0: float, size: float) -> dict[str, object]:
    ring = [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


def make_area(
    project: Project, pcode: str, level: int, geometry: dict[str, object], **kw: Any
) -> AdminArea:
    minx, miny, maxx, maxy = bounds_of(geometry)
    return AdminArea.objects.create(
        project=project, pcode=pcode, name=kw.pop("name", pcode), level=level, geometry=geometry,
        min_lon=minx, min_lat=miny, max_lon=maxx, max_lat=maxy, **kw,
    )  # fmt: skip


def test_point_goes_to_the_deepest_area(project: Project, other_project: Project) -> None:
    province = make_area(project, "XT01", 1, square(0, 0, 2))
    district = make_area(project, "XT0101", 2, square(0, 0, 1), parent=province)
    make_area(other_project, "XT0101", 2, square(0, 0, 1))
    assert locate_point(project.pk, lat=0.5, lon=0.5) == district
    assert locate_point(project.pk, lat=1.5, lon=1.5) == province
    assert locate_point(project.pk, lat=5, lon=5) is None


def test_coarsening_rounds_to_about_a_kilometre() -> None:
    assert coarsen(18.54321, -72.33789) == (18.54, -72.34)


def test_area_named_in_text(project: Project) -> None:
    province = make_area(project, "XT01", 1, square(0, 0, 2), name="Riverside")
    district = make_area(
        project, "XT0101", 2, square(0, 0, 1), name="Quillbrook", parent=province,
        names={"fr": "Quillbrouc"},
    )  # fmt: skip
    names = AreaNames(project.pk)
    assert names.find("no water in Quillbrook since monday") == district
    assert names.find("pa gen dlo nan Quillbrouc") == district
    assert names.find("Riverside road is flooded") == province
    assert names.find("Quillbrooks is not a place") is None
