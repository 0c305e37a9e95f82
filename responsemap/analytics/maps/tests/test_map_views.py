"""The map's screens and endpoints for every persona: who sees what, that no position
leaves the server finer than the grid for roles without exact positions, bad input."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from responsemap.analytics.maps.models import MapSettings
from responsemap.protection.audit import with_details
from responsemap.protection.models import AuditEvent

pytestmark = pytest.mark.django_db

ALLOWED = {"officer", "protection", "manager"}  # a donor: the summary's map
EVERYONE = [
    "operator",
    "officer",
    "protection",
    "manager",
    "partner",
    "donor",
    "outsider",
    "sysadmin",
]
VIEW = {"bbox": "-1,-1,2,2"}


def url(project: Any, name: str) -> str:
    return reverse(f"analytics:{name}", args=[project.slug])


@pytest.mark.parametrize("persona", EVERYONE)
def test_who_sees_the_map(client_as: Any, project: Any, mapped: Any, persona: str) -> None:
    client = client_as(persona)
    before = AuditEvent.objects.count()
    page = client.get(url(project, "map"))
    areas = client.get(url(project, "map_boundaries"), {"level": 1, "zoom": 5})
    grid = client.get(url(project, "map_grid"), {**VIEW, "zoom": 13})
    expected = 200 if persona in ALLOWED else 404
    assert (page.status_code, areas.status_code, grid.status_code) == (expected,) * 3
    assert AuditEvent.objects.count() == before  # aggregates: reading writes nothing
    if expected == 404:
        return
    html = page.content.decode()
    assert "Test district" in html  # the table view
    assert "XT01" in html
    assert 'id="map"' in html
    assert "leaflet.js" in html
    assert "Internal" in html  # the classification mark
    config = json.loads(json.dumps(page.context["map_config"]))
    district = str(mapped["district"].pk)
    assert config["areas"][district]["records"] == (6 if persona == "protection" else 4)
    assert areas.json()["features"][0]["properties"]["pcode"] == "XT01"
    body = grid.json()
    assert sum(c["records"] for c in body["cells"]) == (6 if persona == "protection" else 4)


@pytest.mark.parametrize("persona", sorted(ALLOWED))
def test_no_raw_position_leaves_the_server_without_exact_positions(
    client_as: Any, project: Any, mapped: Any, persona: str
) -> None:
    client = client_as(persona)
    for zoom in (2, 8, 13, 16, 18):
        response = client.get(url(project, "map_grid"), {**VIEW, "zoom": zoom})
        body = response.content.decode()
        if persona == "protection" and zoom >= 13:
            assert response.json()["exact"] is True
            assert "0.253" in body  # the stored positions, for the protection role only
            continue
        assert response.json()["exact"] is False
        # The records' positions (0.253, 0.263, 0.757) are never in the answer: squares
        # of at least a hundredth of a degree, with their counts.
        for raw in ("0.253", "0.263", "0.757"):
            assert raw not in body
        for cell in response.json()["cells"]:
            (south, west), (north, east) = cell["bounds"]
            assert north - south >= 0.0099
            assert east - west >= 0.0099
    page = client.get(url(project, "map")).content.decode()
    for raw in ("0.253", "0.263", "0.757"):
        assert raw not in page


def test_sensitive_records_are_never_positions_for_others(
    client_as: Any, project: Any, mapped: Any
) -> None:
    for persona in ("officer", "manager"):
        body = client_as(persona).get(url(project, "map_grid"), {**VIEW, "zoom": 13}).json()
        assert sorted(c["records"] for c in body["cells"]) == [1, 3]
    body = client_as("protection").get(url(project, "map_grid"), {**VIEW, "zoom": 11}).json()
    assert sorted(c["records"] for c in body["cells"]) == [1, 5]  # 0.25 and 0.26 together


def test_filters_and_level_on_the_page(client_as: Any, project: Any, mapped: Any) -> None:
    client = client_as("officer")
    page = client.get(url(project, "map"), {"level": 2, "type_code": "question"})
    assert page.status_code == 200
    rows = page.context["rows"]
    assert [(r["pcode"], r["records"]) for r in rows] == [("XT0101", 3)]
    # Filters without a level: the first level.
    page = client.get(url(project, "map"), {"type_code": "question"})
    assert page.status_code == 200
    assert [(r["pcode"], r["records"]) for r in page.context["rows"]] == [("XT01", 3)]
    grid = client.get(url(project, "map_grid"), {**VIEW, "zoom": 13, "type_code": "complaint"})
    assert sum(c["records"] for c in grid.json()["cells"]) == 1


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("map", {"since": "2026-05-01", "until": "2026-01-01"}),
        ("map", {"level": "7"}),
        ("map", {"since": "yesterday"}),
        ("map_grid", {"bbox": "nonsense", "zoom": 5}),
        ("map_grid", {"bbox": "0,0,1,1", "zoom": 99}),
        ("map_grid", {"bbox": "0,0,1,1"}),
        ("map_grid", {"bbox": "0,0,1,1", "zoom": 5, "status": "nope"}),
        ("map_boundaries", {"level": "x"}),
        ("map_boundaries", {}),
    ],
)
def test_bad_input_is_a_400(
    client_as: Any, project: Any, mapped: Any, name: str, params: dict[str, Any]
) -> None:
    assert client_as("officer").get(url(project, name), params).status_code == 400


@pytest.mark.parametrize("persona", EVERYONE)
def test_map_settings_are_the_managers(
    client_as: Any, project: Any, area: Any, persona: str
) -> None:
    client = client_as(persona)
    data = {
        "grid_metres": 5000,
        "tile_url": "https://tiles.example.org/{z}/{x}/{y}.png",
        "tile_attribution": "Our tiles",
    }
    response = client.post(url(project, "map_settings"), data)
    if persona != "manager":
        assert response.status_code == 404
        assert not MapSettings.objects.exists()
        return
    assert response.status_code == 302
    saved = MapSettings.objects.get(project=project)
    assert saved.grid_metres == 5000
    assert saved.tile_url.startswith("https://tiles.")
    [event] = with_details(AuditEvent.objects.filter(action="map.settings"))
    assert sorted(event.fields) == ["grid_metres", "tile_attribution", "tile_url"]
    page = client.get(url(project, "map"))
    assert page.context["map_config"]["tiles"] == data["tile_url"]


@pytest.mark.parametrize(
    "data",
    [
        {"grid_metres": 10, "tile_url": ""},
        {"grid_metres": 1000, "tile_url": "javascript:alert(1)//{z}{x}{y}"},
        {"grid_metres": 1000, "tile_url": "https://tiles.example.org/no-placeholders.png"},
        {"grid_metres": "many", "tile_url": ""},
    ],
)
def test_bad_map_settings_are_refused(
    client_as: Any, project: Any, area: Any, data: dict[str, Any]
) -> None:
    response = client_as("manager").post(url(project, "map_settings"), data)
    assert response.status_code == 400
    assert not MapSettings.objects.exists()
    assert not AuditEvent.objects.filter(action="map.settings").exists()


def test_the_nav_and_dashboard_link_to_the_map(client_as: Any, project: Any, area: Any) -> None:
    map_url = url(project, "map")
    for persona in sorted(ALLOWED):
        page = client_as(persona).get(reverse("analytics:dashboard", args=[project.slug]))
        assert map_url in page.content.decode()
