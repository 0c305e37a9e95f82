"""The attack on everything a project publishes: a randomly generated project, every
complete month released and every protection table approved; then every published
table, of every month, is put into one system of equations and no suppressed cell may
be pinned down (``tables.recoverable_cells``), and no published count is small."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest

from responsemap.analytics.actions import do_rebuild_rollups
from responsemap.analytics.public.actions import do_approve_protection, do_release_month
from responsemap.analytics.public.models import Release
from responsemap.analytics.public.queries import months_to_release, published_tables
from responsemap.analytics.public.tables import (
    GENERAL,
    PROTECTION,
    TOTAL,
    PublishedTable,
    recoverable_cells,
)
from responsemap.analytics.public.tests.conftest import page_on
from responsemap.geo.actions import do_create_area
from responsemap.lib import clock

pytestmark = pytest.mark.django_db

TYPES = ["complaint", "question", "request", "thanks"]
SECTORS = ["wash", "food", "shelter", "health"]
GENDERS = ["female", "male", "other", "unknown"]
AGES = ["0-17", "18-24", "25-59", "60+"]


def _areas(project: Any) -> list[Any]:
    square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
    regions = [
        do_create_area(project_id=project.pk, pcode=f"R{n}", name=f"Region {n}", level=1)
        for n in (1, 2)
    ]
    return [
        do_create_area(
            project_id=project.pk,
            pcode=f"R{n % 2 + 1}D{n}",
            name=f"District {n}",
            level=2,
            parent=regions[n % 2],
            geometry=square,
        )
        for n in range(5)
    ]


def _skewed(rng: random.Random, values: list[str]) -> str:
    # A few values most of the time and the rest rarely: the small cells to hide.
    return rng.choices(values, weights=[20, 6, 2, 1][: len(values)] + [1] * (len(values) - 4))[0]


@pytest.mark.parametrize(("seed", "level"), [(1, 1), (7, 2)])
def test_nothing_published_gives_a_small_count_away(
    project: Any, make_feedback: Any, viewer_of: Any, seed: int, level: int
) -> None:
    rng = random.Random(seed)
    districts = _areas(project)
    now = clock.now()
    truth: Counter[tuple[Any, ...]] = Counter()
    for _n in range(140):
        back = rng.randint(1, 4)
        month = now.replace(day=1) - back * (now.replace(day=28) - now.replace(day=1))
        received = datetime(month.year, month.month, rng.randint(1, 28), 9, tzinfo=UTC)
        sensitive = rng.random() < 0.15
        area = rng.choice(districts) if rng.random() < 0.9 else None
        fields = {
            "type_code": _skewed(rng, TYPES),
            "sector": _skewed(rng, SECTORS),
            "gender": _skewed(rng, GENDERS),
            "age_band": _skewed(rng, AGES),
        }
        make_feedback(
            f"note {rng.random()}",
            received_at=received,
            area=area,
            sensitivity="sensitive" if sensitive else "normal",
            **fields,
        )
        first = received.date().replace(day=1)
        family = PROTECTION if sensitive else GENERAL
        truth[(first, family, TOTAL, "")] += 1
    do_rebuild_rollups(project.pk)
    manager, specialist = viewer_of("manager"), viewer_of("protection")
    page_on(manager, area_level=level)
    for released in months_to_release(manager, now.date()):
        do_approve_protection(specialist, do_release_month(manager, released))
    assert Release.objects.filter(project=project).count() >= 4

    everything = published_tables(project.pk)
    assert any(value is None for table in everything for _c, value in table.cells)
    assert recoverable_cells(everything) == []
    for table in everything:
        for _category, value in table.cells:
            if value is None:
                continue
            if table.family == PROTECTION:
                assert value >= 10
            else:
                assert value == 0 or value >= 5
        if table.name == TOTAL:
            true_total = truth[(table.month, table.family, TOTAL, "")]
            assert table.cells[0][1] in (None, true_total)


def test_the_attack_recovers_a_cell_left_to_primary_suppression_only() -> None:
    # The check has teeth: a table with only its small cell hidden is caught.
    month = datetime(2026, 1, 1, tzinfo=UTC).date()
    naive = [
        PublishedTable(month, GENERAL, TOTAL, 5, [("", 30)]),
        PublishedTable(month, GENERAL, "type", 5, [("a", 27), ("b", None)]),
    ]
    [(key, low, high)] = recoverable_cells(naive)
    assert key == (month, GENERAL, "type", "b")
    assert low == high == 3


def test_the_attack_sees_across_tables_of_one_month() -> None:
    # Two tables of one month, each safe alone? The shared total ties them.
    month = datetime(2026, 1, 1, tzinfo=UTC).date()
    tables = [
        PublishedTable(month, GENERAL, TOTAL, 5, [("", None)]),
        PublishedTable(month, GENERAL, "type", 5, [("a", 20), ("b", None)]),
        PublishedTable(month, GENERAL, "area", 5, [("x", 22), ("y", 0)]),
    ]
    # The area table gives the total (22), so b = 2.
    found = {key for key, _low, _high in recoverable_cells(tables)}
    assert (month, GENERAL, "type", "b") in found
