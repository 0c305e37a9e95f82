"""The coarse rollups (ADR 0012: a filter's pairs per week, coarse map squares per
week) give exactly the figures of the daily cells, whatever the dates (whole weeks,
part weeks at either end, less than a week), the filter and the viewer; and they
follow the records as the upkeep recomputes days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from responsemap.analytics import queries
from responsemap.analytics.actions import (
    do_rebuild_rollups,
    do_recompute_days,
    week_of,
    write_weeks,
)
from responsemap.analytics.maps import queries as map_queries
from responsemap.analytics.maps.models import COARSE_LEVELS, MapCoarseCell, MapSettings
from responsemap.analytics.maps.queries import Bounds
from responsemap.analytics.models import RollupPair
from responsemap.analytics.queries import Filters, Labels, Summary
from responsemap.triage.actions import do_change_status

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 3, 2)
TYPES = ("question", "complaint", "rumour")
SECTORS = ("wash", "food", "shelter", "health")
SOURCES = ("sms", "hotline", "web")


@pytest.fixture
def spread(project: Any, make_feedback: Any, area: Any, viewer_of: Any) -> list[Any]:
    """35 records over five weeks from a Monday, codes cycling, one in five
    protection-sensitive, positions far apart (several coarse squares), two closed."""
    assert MONDAY.weekday() == 0
    made = []
    for n in range(35):
        sensitive = n % 5 == 0
        made.append(
            make_feedback(
                received_at=datetime.combine(MONDAY, datetime.min.time(), tzinfo=UTC)
                + timedelta(days=n, hours=n % 24),
                type_code="protection" if sensitive else TYPES[n % 3],
                sector="protection" if sensitive else SECTORS[n % 4],
                source=SOURCES[n % 3],
                area=area if n % 2 else None,
                sensitivity="sensitive" if sensitive else "normal",
                gender=("female", "male")[n % 2],
                lat=round(-8 + (n * 7 % 17), 2),
                lon=round(-9 + (n * 5 % 19) + 0.37, 2),
            )
        )
    officer = viewer_of("officer")
    for record in made[3:5]:
        for status in ("triaged", "answered", "closed"):
            do_change_status(officer, record.pk, status)
    do_rebuild_rollups(project.pk)
    return made


def by_cells(viewer: Any, filters: Filters, monkeypatch: Any) -> Summary:
    """The reference: the same figures from the daily cells alone."""
    with monkeypatch.context() as patch:
        patch.setattr(queries, "coarse_weeks", lambda *args: None)
        return queries.summarise(viewer, filters, Labels(viewer.project_id))


SPANS = [
    (MONDAY, MONDAY + timedelta(days=34)),  # five whole weeks
    (MONDAY + timedelta(days=3), MONDAY + timedelta(days=30)),  # part weeks both ends
    (MONDAY + timedelta(days=1), MONDAY + timedelta(days=12)),  # one whole week inside
    (MONDAY + timedelta(days=8), MONDAY + timedelta(days=11)),  # less than a week
    (MONDAY - timedelta(days=10), MONDAY + timedelta(days=40)),  # wider than the records
]
FILTERS = [
    {"type_code": "rumour"},
    {"sector": "protection"},
    {"source": "sms"},
    {"status": "closed"},
    {"status": "new"},
    {"area": "area"},
    {"type_code": "question", "source": "sms"},  # two filters: the cells
]


@pytest.mark.parametrize("persona", ["officer", "protection"])
def test_filtered_dashboards_match_the_daily_cells(
    spread: Any, viewer_of: Any, area: Any, persona: str, monkeypatch: Any
) -> None:
    viewer = viewer_of(persona)
    used: list[object] = []
    real = queries._sum_coarse

    def spy(*args: Any) -> None:
        used.append(args)
        real(*args)

    monkeypatch.setattr(queries, "_sum_coarse", spy)
    for since, until in SPANS:
        for chosen in FILTERS:
            values: dict[str, Any] = {k: (area.pk if v == "area" else v) for k, v in chosen.items()}
            filters = Filters(since=since, until=until, **values)
            found = queries.summarise(viewer, filters, Labels(viewer.project_id))
            assert found == by_cells(viewer, filters, monkeypatch), (since, until, chosen)
    assert used  # the weekly pairs were read
    assert RollupPair.objects.filter(week=MONDAY, dimension="status", value="closed").exists()


def test_a_filtered_choropleth_matches_the_daily_cells(
    spread: Any, viewer_of: Any, area: Any, monkeypatch: Any
) -> None:
    viewer = viewer_of("officer")
    labels = Labels(viewer.project_id)
    filters = Filters(since=MONDAY + timedelta(days=2), until=MONDAY + timedelta(days=33))
    for chosen in ({"type_code": "rumour"}, {"source": "web"}, {"status": "closed"}):
        narrowed = Filters(filters.since, filters.until, **chosen)  # type: ignore[arg-type]
        found = map_queries.area_counts(viewer, narrowed, 1, labels)
        with monkeypatch.context() as patch:
            patch.setattr(map_queries, "single_filter", lambda *args: None)
            expected = map_queries.area_counts(viewer, narrowed, 1, labels)
        assert found == expected, chosen


@pytest.mark.parametrize("persona", ["officer", "protection"])
def test_the_map_grid_from_coarse_squares_matches_the_daily_cells(
    spread: Any, viewer_of: Any, persona: str, monkeypatch: Any
) -> None:
    viewer = viewer_of(persona)
    settings = MapSettings(grid_metres=1000)
    view = Bounds(-20.0, -20.0, 20.0, 20.0)
    assert MapCoarseCell.objects.filter(level=COARSE_LEVELS[-1]).exists()
    used: list[object] = []
    real = map_queries._coarse_counts

    def spy(*args: Any) -> dict[tuple[int, int], int]:
        used.append(args)
        return real(*args)

    monkeypatch.setattr(map_queries, "_coarse_counts", spy)
    for since, until in SPANS:
        for chosen in ({}, {"type_code": "rumour"}, {"status": "closed"}, {"source": "web"}):
            filters = Filters(since, until, **chosen)  # type: ignore[arg-type]
            for zoom in (1, 3, 5, 7, 9):
                k = map_queries.steps_at(zoom, settings)
                box = (0, 36_000 - 1, 0, 18_000 - 1)
                found = map_queries._grid(viewer, filters, k, box)
                with monkeypatch.context() as patch:
                    patch.setattr(map_queries, "coarse_level", lambda k: None)
                    expected = map_queries._grid(viewer, filters, k, box)
                key = sorted((c.south, c.west, c.records) for c in found.cells)
                assert key == sorted((c.south, c.west, c.records) for c in expected.cells)
        assert map_queries.grid(viewer, Filters(since, until), view, 3, settings).cells
    assert {args[4] for args in used} == set(COARSE_LEVELS)  # type: ignore[index]


def test_the_upkeep_keeps_the_weeks_current(
    spread: Any, project: Any, make_feedback: Any, viewer_of: Any, monkeypatch: Any
) -> None:
    viewer = viewer_of("officer")
    day = MONDAY + timedelta(days=9)
    make_feedback(
        received_at=datetime.combine(day, datetime.min.time(), tzinfo=UTC),
        type_code="rumour",
        source="web",
        lat=1.0,
        lon=1.0,
    )
    do_recompute_days(project.pk, [day])
    filters = Filters(MONDAY, MONDAY + timedelta(days=34), type_code="rumour")
    found = queries.summarise(viewer, filters)
    assert found == by_cells(viewer, filters, monkeypatch)
    assert found.breakdowns["source"].bars[0].value in ("web", "sms", "hotline")
    web = RollupPair.objects.filter(
        week=week_of(day), dimension="type_code", value="rumour", breakdown="source", bar="web"
    ).values_list("records", flat=True)
    assert sum(web) >= 1


def test_the_rebuild_writes_whole_weeks_and_clears_the_rest(spread: Any, project: Any) -> None:
    weeks = set(RollupPair.objects.filter(project=project).values_list("week", flat=True))
    assert weeks == {MONDAY + timedelta(days=7 * n) for n in range(5)}
    stale = MONDAY - timedelta(days=70)
    RollupPair.objects.create(
        project=project,
        week=stale,
        dimension="type_code",
        value="x",
        breakdown="source",
        bar="sms",
        sensitivity="normal",
        records=3,
    )
    do_rebuild_rollups(project.pk)
    assert not RollupPair.objects.filter(project=project, week=stale).exists()


def _pairs_of(project: Any, week: date) -> list[tuple[Any, ...]]:
    """The week's pairs and coarse map squares, as rows (ids aside)."""
    pairs = RollupPair.objects.filter(project=project, week=week).values_list(
        "dimension", "value", "breakdown", "bar", "sensitivity", "records"
    )
    squares = MapCoarseCell.objects.filter(project=project, week=week).values_list(
        "level", "gx", "gy", "dimension", "value", "sensitivity", "records"
    )
    return sorted(("pair", *row) for row in pairs) + sorted(("map", *row) for row in squares)


def _recompute_week(project: Any, week: date) -> list[tuple[Any, ...]]:
    for model in (RollupPair, MapCoarseCell):
        model.objects.filter(project=project, week=week).delete()
    write_weeks(project.pk, [week])
    return _pairs_of(project, week)


def test_a_days_delta_leaves_the_pairs_a_full_recompute_writes(
    spread: Any, project: Any, make_feedback: Any, viewer_of: Any
) -> None:
    """The upkeep changes a week's pairs by the recomputed days' delta (old share off,
    new on, rows summed): the same rows, one a key and none at zero, as recomputing
    the week from its cells."""
    officer = viewer_of("officer")
    day = MONDAY + timedelta(days=8)
    changed = [r for r in spread if r.received_at.date() == day]
    assert changed
    for status in ("triaged", "in_progress"):
        do_change_status(officer, changed[0].pk, status)
    make_feedback(
        received_at=datetime.combine(day, datetime.min.time(), tzinfo=UTC),
        type_code="rumour",
        source="web",
        lat=-7.5,
        lon=-30.2,
    )
    week = week_of(day)
    before = _pairs_of(project, week)
    do_recompute_days(project.pk, [day, day + timedelta(days=2)])
    by_delta = _pairs_of(project, week)
    assert by_delta != before
    assert all(row[-1] > 0 for row in by_delta)
    assert len({row[:-1] for row in by_delta}) == len(by_delta)
    assert by_delta == _recompute_week(project, week)


def test_a_day_emptied_takes_its_pairs_off(spread: Any, project: Any) -> None:
    day = MONDAY + timedelta(days=15)
    week = week_of(day)
    full = _pairs_of(project, week)
    records = [r for r in spread if r.received_at.date() == day]
    assert records
    type(records[0]).objects.filter(pk__in=[r.pk for r in records]).delete()
    do_recompute_days(project.pk, [day])
    by_delta = _pairs_of(project, week)
    assert len(by_delta) < len(full)
    assert by_delta == _recompute_week(project, week)


def test_a_week_whose_rows_miss_the_old_counts_is_recomputed(spread: Any, project: Any) -> None:
    day = MONDAY + timedelta(days=22)
    week = week_of(day)
    full = _pairs_of(project, week)
    RollupPair.objects.filter(project=project, week=week).delete()
    records = [r for r in spread if r.received_at.date() == day]
    type(records[0]).objects.filter(pk=records[0].pk).delete()
    do_recompute_days(project.pk, [day])
    found = _pairs_of(project, week)
    assert found != full
    assert found == _recompute_week(project, week)
