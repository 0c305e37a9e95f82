from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from responsemap.accounts.queries import viewer_for
from responsemap.analytics.actions import do_rebuild_rollups
from responsemap.geo.actions import do_create_area
from responsemap.protection.viewer import Viewer

NOW = datetime.now(UTC)


@pytest.fixture
def viewer_of(personas: dict[str, Any], project: Any) -> Any:
    def make(persona: str) -> Viewer:
        viewer = viewer_for(personas[persona], project.pk)
        assert viewer is not None
        return viewer

    return make


@pytest.fixture
def west(project: Any, area: Any) -> Any:
    """A level-2 district: the western half of the level-1 test district."""
    return do_create_area(
        project_id=project.pk,
        pcode="XT0101",
        name="West district",
        level=2,
        parent=area,
        geometry={
            "type": "Polygon",
            "coordinates": [[[0, 0], [0.5, 0], [0.5, 1], [0, 1], [0, 0]]],
        },
    )


@pytest.fixture
def mapped(project: Any, make_feedback: Any, area: Any, west: Any) -> dict[str, Any]:
    """Four normal records and two protection-sensitive ones, with positions:
    three normal at (0.253, 0.253) in the west district, one normal at (0.757, 0.757)
    in the district only, two sensitive at (0.253, 0.263) in the west district; and
    one normal record with no position or area."""
    for _n in range(3):
        make_feedback(received_at=NOW, type_code="question", area=west, lat=0.253, lon=0.253)
    make_feedback(received_at=NOW, type_code="complaint", area=area, lat=0.757, lon=0.757)
    for _n in range(2):
        make_feedback(
            received_at=NOW,
            type_code="protection",
            sector="protection",
            area=west,
            lat=0.253,
            lon=0.263,
            sensitivity="sensitive",
        )
    make_feedback(received_at=NOW, type_code="question")
    do_rebuild_rollups(project.pk)
    return {"district": area, "west": west}
