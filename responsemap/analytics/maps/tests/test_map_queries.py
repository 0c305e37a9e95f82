"""The map's aggregates: counts per area, per grid square at every zoom, exact
positions for the roles allowed them, and protection-sensitive records' treatment."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from responsemap.accounts.permissions import DEFAULT_ROLES
from responsemap.analytics.actions import do_recompute_days
from responsemap.analytics.maps import queries
from responsemap.analytics.maps.models import MapCell, MapSettings
from responsemap.analytics.maps.queries import Bounds, Grid
from responsemap.analytics.queries import Filters, Labels

from .conftest import NOW

pytestmark = pytest.mark.django_db

DAYS = Filters(since=NOW.date() - timedelta(days=30), until=NOW.date())
VIEW = Bounds(-1.0, -1.0, 2.0, 2.0)
DEFAULTS = MapSettings(grid_metres=1000)


def total(grid: Grid) -> int:
    return sum(cell.records for cell in grid.cells)


def test_only_protection_roles_get_exact_positions_by_default() -> None:
    holders = [
        code
        for code, role in DEFAULT_ROLES.items()
        if "view_exact_positions" in role["permissions"]  # type: ignore[operator]
    ]
    assert holders == ["protection"]


@pytest.mark.parametrize(
    ("persona", "level1", "hidden"),
    [("officer", 4, 2), ("manager", 4, 2), ("protection", 6, 0)],
)
def test_records_per_area_at_each_level(
    viewer_of: Any, project: Any, mapped: Any, persona: str, level1: int, hidden: int
) -> None:
    viewer = viewer_of(persona)
    labels = Labels(project.pk)
    counts = queries.area_counts(viewer, DAYS, 1, labels)
    assert [(a.pcode, a.records) for a in counts.areas] == [("XT01", level1)]
    assert counts.sensitive_hidden == hidden
    assert counts.unplaced == 1  # the record with no area
    assert counts.total == 7
    deeper = queries.area_counts(viewer, DAYS, 2, labels)
    # Level 2: the west district holds 3 normal (and 2 sensitive) records; the one
    # placed in the level-1 district only has no area at level 2.
    assert [(a.pcode, a.records) for a in deeper.areas] == [("XT0101", level1 - 1)]
    assert deeper.unplaced == 2


@pytest.mark.parametrize("persona", ["officer", "manager"])
def test_a_filtered_choropleth_leaves_sensitive_records_out(
    viewer_of: Any, project: Any, mapped: Any, persona: str
) -> None:
    viewer = viewer_of(persona)
    filtered = Filters(since=DAYS.since, until=DAYS.until, type_code="protection")
    counts = queries.area_counts(viewer, filtered, 1, Labels(project.pk))
    assert counts.areas[0].records == 0
    assert counts.narrowed_hidden
    protection = queries.area_counts(viewer_of("protection"), filtered, 1, Labels(project.pk))
    assert protection.areas[0].records == 2


@pytest.mark.parametrize("persona", ["operator", "partner"])
def test_nothing_for_roles_without_dashboards(
    viewer_of: Any, project: Any, mapped: Any, persona: str
) -> None:
    viewer = viewer_of(persona)
    assert queries.area_counts(viewer, DAYS, 1, Labels(project.pk)).areas == []
    assert queries.grid(viewer, DAYS, VIEW, 10, DEFAULTS).cells == []
    assert queries.exact_positions(viewer, DAYS, VIEW, 16) is None
    assert queries.boundaries(viewer, 1, 5, Labels(project.pk))["features"] == []


def test_grid_cells_are_the_stored_precision_and_nest_by_zoom(mapped: Any) -> None:
    cells = MapCell.objects.all()
    # Finest: hundredths of a degree from the south-west corner of the world.
    assert {(c.gx, c.gy, c.sensitivity) for c in cells} == {
        (18025, 9025, "normal"),
        (18075, 9075, "normal"),
        (18026, 9025, "sensitive"),
    }
    assert sum(c.records for c in cells) == 6  # the record with no position is not there
    assert queries.steps_at(18, DEFAULTS) == 1
    assert queries.steps_at(13, DEFAULTS) == 1
    assert queries.steps_at(12, DEFAULTS) == 2
    assert queries.steps_at(8, DEFAULTS) == 32
    assert queries.steps_at(0, DEFAULTS) >= 360 * 100 // 8
    assert queries.steps_at(18, MapSettings(grid_metres=5000)) == 4


@pytest.mark.parametrize(
    ("persona", "records"),
    [("officer", 4), ("manager", 4), ("protection", 6)],
)
def test_grid_counts_per_zoom_and_sensitive_records(
    viewer_of: Any, mapped: Any, persona: str, records: int
) -> None:
    viewer = viewer_of(persona)
    close = queries.grid(viewer, DAYS, VIEW, 13, DEFAULTS)
    assert not close.exact
    assert close.steps == 1
    assert total(close) == records
    # Zoomed in: a square of a hundredth of a degree each, the three (or two) apart.
    assert len(close.cells) == (3 if persona == "protection" else 2)
    far = queries.grid(viewer, DAYS, VIEW, 3, DEFAULTS)
    assert len(far.cells) == 1
    assert total(far) == records


def test_sensitive_records_never_positioned_for_view_sensitive_without_exact(
    viewer_of: Any, mapped: Any
) -> None:
    viewer = viewer_of("protection")
    cut = type(viewer)(
        viewer.user_id,
        viewer.label,
        "custom",
        viewer.project_id,
        viewer.permissions - {"view_exact_positions"},
    )
    # May see sensitive records by area, but not finer: not in the grid.
    assert total(queries.grid(cut, DAYS, VIEW, 12, DEFAULTS)) == 4
    assert queries.exact_positions(cut, DAYS, VIEW, 16) is None


def test_the_view_bounds_filter_the_grid(viewer_of: Any, mapped: Any) -> None:
    viewer = viewer_of("officer")
    west_only = queries.grid(viewer, DAYS, Bounds(0.2, 0.2, 0.3, 0.3), 12, DEFAULTS)
    assert total(west_only) == 3
    nowhere = queries.grid(viewer, DAYS, Bounds(10, 10, 11, 11), 12, DEFAULTS)
    assert nowhere.cells == []


def test_the_project_grid_size_is_the_finest(viewer_of: Any, mapped: Any) -> None:
    coarse = MapSettings(grid_metres=5000)
    found = queries.grid(viewer_of("officer"), DAYS, VIEW, 18, coarse)
    assert found.steps == 4
    # 0.25 to 0.29 and 0.75 to 0.79: still two squares, each 0.04 degrees wide.
    assert sorted((c.west, c.east) for c in found.cells) == [(0.24, 0.28), (0.72, 0.76)]


def test_filters_apply_to_the_grid(viewer_of: Any, mapped: Any) -> None:
    viewer = viewer_of("protection")
    only = Filters(since=DAYS.since, until=DAYS.until, type_code="complaint")
    assert total(queries.grid(viewer, only, VIEW, 12, DEFAULTS)) == 1
    earlier = Filters(since=DAYS.since - timedelta(days=60), until=DAYS.since)
    assert queries.grid(viewer, earlier, VIEW, 12, DEFAULTS).cells == []


def test_exact_positions_only_for_protection_zoomed_in_and_capped(
    viewer_of: Any, mapped: Any, monkeypatch: Any
) -> None:
    protection = viewer_of("protection")
    found = queries.exact_positions(protection, DAYS, VIEW, queries.EXACT_FROM_ZOOM)
    assert found is not None
    assert found.exact
    assert sorted((c.south, c.west, c.records) for c in found.cells) == [
        (0.253, 0.253, 3),
        (0.253, 0.263, 2),
        (0.757, 0.757, 1),
    ]
    assert queries.exact_positions(protection, DAYS, VIEW, queries.EXACT_FROM_ZOOM - 1) is None
    for persona in ("officer", "manager"):
        assert queries.exact_positions(viewer_of(persona), DAYS, VIEW, 18) is None
    monkeypatch.setattr(queries, "EXACT_CAP", 2)
    assert queries.exact_positions(protection, DAYS, VIEW, 18) is None  # too many: the grid


@pytest.mark.parametrize(
    ("lat", "lon", "gx", "gy"),
    [(18.53, -72.29, 10771, 10853), (-0.01, -179.99, 1, 8999), (0.07, 0.29, 18029, 9007)],
)
def test_a_stored_position_is_in_its_own_square(
    project: Any, make_feedback: Any, lat: float, lon: float, gx: int, gy: int
) -> None:
    """Two-decimal positions are often a hair below in binary: each lands in the
    square it names, on both databases, west and south of 0 too."""
    make_feedback(received_at=NOW, lat=lat, lon=lon)
    do_recompute_days(project.pk, [NOW.date()])
    assert list(MapCell.objects.values_list("gx", "gy", "records")) == [(gx, gy, 1)]


def test_the_upkeep_keeps_grid_cells_current(
    project: Any, viewer_of: Any, mapped: Any, make_feedback: Any
) -> None:
    make_feedback(received_at=NOW, lat=0.757, lon=0.757)
    do_recompute_days(project.pk, [NOW.date()])
    assert total(queries.grid(viewer_of("officer"), DAYS, VIEW, 12, DEFAULTS)) == 5


def test_boundaries_are_simplified_for_the_zoom(viewer_of: Any, project: Any, area: Any) -> None:
    import math

    from responsemap.geo.actions import do_create_area

    ring = [
        [1.5 + 0.5 * math.cos(t / 200 * 2 * math.pi), 0.5 + 0.5 * math.sin(t / 200 * 2 * math.pi)]
        for t in range(200)
    ]
    do_create_area(
        project_id=project.pk,
        pcode="XT02",
        name="Round district",
        level=1,
        geometry={"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
    )
    viewer = viewer_of("officer")
    far = queries.boundaries(viewer, 1, 4, Labels(project.pk))
    close = queries.boundaries(viewer, 1, 14, Labels(project.pk))
    assert [f["properties"]["pcode"] for f in far["features"]] == ["XT01", "XT02"]
    assert set(far["features"][0]["properties"]) == {"id", "pcode", "name"}
    points_far = len(far["features"][1]["geometry"]["coordinates"][0])
    points_close = len(close["features"][1]["geometry"]["coordinates"][0])
    assert points_far < 40 < points_close


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("0,0,1,1", True),
        ("-200,-95,200,95", True),
        ("1,0,0,1", False),
        ("a,b,c,d", False),
        ("0,0,1", False),
        ("nan,0,1,1", False),
        ("", False),
    ],
)
def test_view_bounds_parsing(text: str, ok: bool) -> None:
    assert (Bounds.parse(text) is not None) is ok


def test_legend_classes() -> None:
    assert queries.classes_of([]) == []
    assert queries.classes_of([0, 0]) == []
    assert queries.classes_of([3]) == [(3, 3)]
    classes = queries.classes_of([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    assert classes == [(1, 2), (3, 4), (5, 6), (7, 8), (9, 10)]
    assert queries.classes_of([5, 5, 5, 100]) == [(5, 5), (6, 100)]
