from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.core.cache import cache

from responsemap.accounts.queries import viewer_for
from responsemap.analytics.actions import do_rebuild_rollups
from responsemap.analytics.public.actions import PageSettings, do_update_public_page
from responsemap.geo.actions import do_create_area
from responsemap.protection.viewer import Viewer

SECRET_TEXT = "Zebra crossing near the blue mosque is unsafe"
PHONE = "+50937001122"


def months_ago(n: int) -> date:
    today = datetime.now(UTC).date()
    month = date(today.year, today.month, 1)
    for _ in range(n):
        month = (month - timedelta(days=1)).replace(day=1)
    return month


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    cache.clear()


@pytest.fixture
def viewer_of(personas: dict[str, Any], project: Any) -> Callable[[str], Viewer]:
    def make(persona: str) -> Viewer:
        viewer = viewer_for(personas[persona], project.pk)
        assert viewer is not None
        return viewer

    return make


@pytest.fixture
def districts(project: Any) -> list[Any]:
    square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
    return [
        do_create_area(project_id=project.pk, pcode=f"XT0{n}", name=name, level=1, geometry=square)
        for n, name in ((1, "North district"), (2, "South district"))
    ]


@pytest.fixture
def last_month_records(project: Any, make_feedback: Any, districts: list[Any]) -> date:
    """Last month: 12 water complaints in the north, 3 food questions in the south
    (a small count), 2 protection cases in the north; all with the same secret text
    and a phone number that must never reach the public page."""
    month = months_ago(1)
    when = datetime(month.year, month.month, 10, 12, tzinfo=UTC)
    north, south = districts
    for _n in range(12):
        make_feedback(
            SECRET_TEXT,
            received_at=when,
            type_code="complaint",
            sector="wash",
            area=north,
            gender="female",
            phone=PHONE,
        )
    for _n in range(3):
        make_feedback(
            SECRET_TEXT,
            received_at=when,
            type_code="question",
            sector="food",
            area=south,
            gender="male",
            phone=PHONE,
        )
    for _n in range(2):
        make_feedback(
            SECRET_TEXT,
            received_at=when,
            type_code="protection",
            sector="protection",
            area=north,
            sensitivity="sensitive",
            phone=PHONE,
        )
    do_rebuild_rollups(project.pk)
    return month


def page_on(viewer: Viewer, **changes: Any) -> None:
    values: dict[str, Any] = {
        "enabled": True,
        "conflict_mode": False,
        "threshold": 5,
        "sensitive_threshold": 10,
        "area_level": 1,
        "purpose": "Listening to the communities of the valley.",
        "partners": "Valley Water Trust\nRadio Kay",
    }
    do_update_public_page(viewer, PageSettings(**(values | changes)))
