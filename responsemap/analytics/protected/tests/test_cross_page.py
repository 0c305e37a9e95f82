"""The attack on everything shown outside a project, all pages together: the public
page's released tables, the donors' summary for each month and for the whole period,
and a donor's row of "all my projects". Every figure shown is an equation on the
months' true cells (a figure over several months or a week across two is the sum of
their cells); with the sums that tie the cells (``months.month_problem``), no hidden
small count may be narrowed below its threshold."""

from __future__ import annotations

import random
from collections.abc import Hashable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from responsemap.analytics.actions import do_rebuild_rollups
from responsemap.analytics.protected.months import (
    GENERAL,
    NO_AREA,
    PROTECTION,
    RESPONDED,
    TOTAL_ALL,
    TOTAL_PROTECTION,
    Settings,
    key,
    month_end,
    month_problem,
    months_between,
)
from responsemap.analytics.public.actions import do_approve_protection, do_release_month
from responsemap.analytics.public.models import Release
from responsemap.analytics.public.queries import months_to_release, published_tables
from responsemap.analytics.public.tables import TOTAL
from responsemap.analytics.public.tests.conftest import months_ago, page_on
from responsemap.analytics.queries import NONE, SENSITIVE, Filters, Labels
from responsemap.analytics.roles.organisation import organisation_figures
from responsemap.analytics.roles.outside import outside_figures
from responsemap.geo.actions import do_create_area
from responsemap.protection.disclosure import Rules, Sum
from responsemap.protection.disclosure_attack import intervals

pytestmark = pytest.mark.django_db

Cell = tuple[date, str]  # (month, cell key)
PUBLIC_DIMENSIONS = {"type": "type_code", "sector": "sector", "gender": "gender"}


class Shown:
    """Every figure shown, as (the cells it sums, its value)."""

    def __init__(self) -> None:
        self.figures: list[tuple[tuple[Cell, ...], int]] = []

    def add(self, cells: list[Cell], value: int | None) -> None:
        if value is not None and cells:
            self.figures.append((tuple(cells), value))


def _public(shown: Shown, project: Any) -> None:
    levels = dict(Release.objects.filter(project=project).values_list("month", "area_level"))
    for table in published_tables(project.pk):
        for category, value in table.cells:
            if table.name == TOTAL:
                cell = key(table.family)
            elif table.name == "area":
                level_one = table.family == GENERAL and levels[table.month] == 1
                cell = key(table.family, "area1" if level_one else "area", category)
            else:
                dimension = {"type": "type_code"}.get(table.name, table.name)
                cell = key(table.family, dimension, category)
            shown.add([(table.month, cell)], value)


def _summary(shown: Shown, viewer: Any, since: date, until: date, today: date) -> None:
    found = outside_figures(viewer, Filters(since, until), Labels(viewer.project_id), today)
    assert found is not None
    months = months_between(found.filters.since, found.filters.until)
    shown.add([(m, TOTAL_ALL) for m in months], found.records)
    shown.add([(m, TOTAL_PROTECTION) for m in months], found.sensitive)
    shown.add([(m, RESPONDED) for m in months], found.responded)
    for table in found.tables:
        for cell in table.cells:
            if cell.value == SENSITIVE:
                code = key(PROTECTION)
            else:
                category = NO_AREA if table.name == "area" and cell.value == NONE else cell.value
                code = key(GENERAL, table.name, category)
            shown.add([(m, code) for m in months], cell.records)
    for start, value in found.weeks:
        monday = start - timedelta(days=start.weekday())
        parts = [m for m in months if m <= monday + timedelta(days=6) and month_end(m) > monday]
        shown.add([(m, key("week", "records", monday.isoformat())) for m in parts], value)


def _organisation(shown: Shown, user: Any, now: datetime) -> None:
    for row in organisation_figures(user, now):
        if not row.coarse:
            continue
        every: list[Cell] = []
        for monday, value in row.weeks:
            parts = [
                (m, key("week", "records", monday.isoformat()))
                for m in months_between(monday, monday + timedelta(days=6))
                if m <= now.date()
            ]
            every += parts
            shown.add(parts, value)
        shown.add(every, row.records)


def _attack(project: Any, shown: Shown, months: list[date], settings: Settings) -> list[Any]:
    """Every hidden small cell an adversary holding ``shown`` pins down too far."""
    truth: dict[Cell, int] = {}
    sums: list[Sum] = []
    sensitive: set[Hashable] = set()
    for month in months:
        problem = month_problem(project.pk, month, settings)
        truth |= {(month, str(k)): v for k, v in problem.values.items()}
        sensitive |= {(month, str(k)) for k in problem.sensitive}
        sums += [
            Sum((month, str(s.total)), tuple((month, str(p)) for p in s.parts))
            for s in problem.sums
        ]
    published: dict[Hashable, int | None] = dict.fromkeys(truth)
    for n, (cells, value) in enumerate(shown.figures):
        assert sum(truth.get(c, 0) for c in cells) == value, cells  # shown as it is
        if len(cells) == 1 and cells[0] in truth:
            published[cells[0]] = value
        else:
            published[("shown", n)] = value
            sums.append(Sum(("shown", n), tuple(c for c in cells if c in truth)))
    rules = Rules(settings.threshold, settings.sensitive_threshold)
    small = [
        cell
        for cell, value in truth.items()
        if published[cell] is None
        and value < rules.threshold_of(cell, sensitive)
        and (value > 0 or cell in sensitive)
    ]
    bounds = intervals(sums, published, small)
    exposed = []
    for cell in small:
        low, high = bounds[cell]
        threshold = rules.threshold_of(cell, sensitive)
        if high - low < threshold or low >= threshold:
            exposed.append((cell, truth[cell], low, high))
    return exposed


def test_the_trap_across_two_pages(
    project: Any, make_feedback: Any, viewer_of: Any, personas: dict[str, Any]
) -> None:
    """A month of 31 records, 2 of them protection-related. Alone, the donors'
    summary could show 31 and the public page its 29 general records, each hiding the
    2: together they give it away. Protected once, one of them is held back."""
    month = months_ago(1)
    when = datetime(month.year, month.month, 10, 12, tzinfo=UTC)
    for n, type_code in ((18, "question"), (8, "request"), (3, "complaint")):
        for _n in range(n):
            make_feedback(received_at=when, type_code=type_code, sector="wash")
    for _n in range(2):
        make_feedback(received_at=when, type_code="protection", sensitivity="sensitive")
    do_rebuild_rollups(project.pk)
    manager, specialist = viewer_of("manager"), viewer_of("protection")
    page_on(manager)
    do_approve_protection(specialist, do_release_month(manager, month))
    today = datetime.now(UTC).date()
    found = outside_figures(viewer_of("donor"), Filters(month, month), Labels(project.pk), today)
    assert found is not None
    public = {(t.family, t.name): t.cells for t in published_tables(project.pk)}
    general_total = public[(GENERAL, TOTAL)][0][1]
    assert found.sensitive is None
    assert found.records is None or general_total is None
    shown = Shown()
    _public(shown, project)
    _summary(shown, viewer_of("donor"), month, month, today)
    _summary(shown, viewer_of("donor"), month, today, today)
    _organisation(shown, personas["donor"], datetime.now(UTC))
    settings = Settings(5, 10, 1)
    assert _attack(project, shown, months_between(month, today), settings) == []


@pytest.mark.parametrize(("seed", "level"), [(3, 1), (11, 2)])
def test_no_combination_of_pages_gives_a_small_count_away(
    project: Any,
    make_feedback: Any,
    viewer_of: Any,
    personas: dict[str, Any],
    seed: int,
    level: int,
) -> None:
    rng = random.Random(seed)
    square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
    regions = [
        do_create_area(project_id=project.pk, pcode=f"R{n}", name=f"Region {n}", level=1)
        for n in (1, 2)
    ]
    districts = [
        do_create_area(
            project_id=project.pk,
            pcode=f"R{n % 2 + 1}D{n}",
            name=f"District {n}",
            level=2,
            parent=regions[n % 2],
            geometry=square,
        )
        for n in range(4)
    ]
    now = datetime.now(UTC)
    first = months_ago(2)
    for _n in range(120):
        day = first + timedelta(days=rng.randint(0, (now.date() - first).days))
        make_feedback(
            received_at=datetime(day.year, day.month, day.day, 9, tzinfo=UTC),
            area=rng.choice(districts) if rng.random() < 0.9 else None,
            sensitivity="sensitive" if rng.random() < 0.12 else "normal",
            type_code=rng.choices(["complaint", "question", "request", "thanks"], [20, 6, 2, 1])[0],
            sector=rng.choices(["wash", "food", "shelter", "health"], [20, 6, 2, 1])[0],
            gender=rng.choices(["female", "male", "other"], [10, 10, 1])[0],
        )
    do_rebuild_rollups(project.pk)
    manager, specialist = viewer_of("manager"), viewer_of("protection")
    page_on(manager, area_level=level)
    for released in months_to_release(manager, now.date()):
        do_approve_protection(specialist, do_release_month(manager, released))
    shown = Shown()
    _public(shown, project)
    donor = viewer_of("donor")
    months = months_between(first, now.date())
    for month in months:
        _summary(
            shown, donor, month, min(month_end(month) - timedelta(days=1), now.date()), now.date()
        )
    _summary(shown, donor, first, now.date(), now.date())
    _organisation(shown, personas["donor"], now)
    assert shown.figures
    settings = Settings(5, 10, level)
    assert _attack(project, shown, months, settings) == []
