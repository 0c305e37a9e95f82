"""Disclosure control: primary and secondary suppression, and the attack that checks
no suppressed count can be recovered (by hand-made tricky tables and by random ones)."""

from __future__ import annotations

import math
from collections.abc import Hashable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from responsemap.protection.disclosure import (
    Problem,
    Rules,
    Status,
    Sum,
    Table,
    attack,
    protect,
    tables_to_problem,
)
from responsemap.protection.disclosure_attack import intervals


def _one_way(counts: dict[str, int], sensitive: bool = False) -> Problem:
    total = sum(counts.values())
    return tables_to_problem(
        [Table("by_type", counts, total="total", sensitive=sensitive)], {"total": total}
    )


def test_a_row_total_minus_known_cells_is_not_left_to_recover_one_small_cell() -> None:
    problem = _one_way({"food": 40, "water": 3, "shelter": 20})
    result = protect(problem)
    shown = result.published()
    assert shown[("by_type", "water")] is None
    # One more cell hidden: total minus the others no longer gives 3.
    assert shown[("by_type", "shelter")] is None
    assert shown[("by_type", "food")] == 40
    assert shown["total"] == 63
    assert result.status[("by_type", "shelter")] is Status.SECONDARY
    assert attack(problem.sums, shown, result.status, problem.sensitive, Rules()) == []


def test_the_naive_publication_is_caught_by_the_attack() -> None:
    problem = _one_way({"food": 40, "water": 3, "shelter": 20})
    shown: dict[Hashable, int | None] = dict(problem.values)
    shown[("by_type", "water")] = None  # primary suppression only
    status = {k: Status.PUBLISHED for k in shown}
    status[("by_type", "water")] = Status.PRIMARY
    [exposure] = attack(problem.sums, shown, status, problem.sensitive, Rules())
    assert (exposure.low, exposure.high) == (3, 3)


def test_two_small_cells_that_add_up_below_the_threshold_take_a_third() -> None:
    problem = _one_way({"a": 1, "b": 2, "c": 30, "d": 50})
    result = protect(problem)
    assert result.suppressed() == {("by_type", "a"), ("by_type", "b"), ("by_type", "c")}
    low, high = intervals(problem.sums, result.published(), [("by_type", "a")])[("by_type", "a")]
    assert low == 0
    assert high == 33


def test_a_small_total_hides_the_whole_table_and_stays_unbounded() -> None:
    problem = tables_to_problem(
        [
            Table("by_type", {"a": 2, "b": 1}, total="total"),
            Table("by_area", {"x": 3, "y": 0}, total="total"),
        ],
        {"total": 3},
    )
    result = protect(problem)
    shown = result.published()
    assert shown["total"] is None
    assert shown[("by_area", "x")] is None
    # A published 0 tells that x is the whole total, which is itself unknown.
    assert shown[("by_area", "y")] == 0
    bounds = intervals(problem.sums, shown, ["total"])
    assert bounds["total"][1] == math.inf


def test_zeros_are_published_unless_sensitive() -> None:
    assert protect(_one_way({"a": 0, "b": 50, "c": 60})).published()[("by_type", "a")] == 0
    sensitive = protect(_one_way({"a": 0, "b": 50, "c": 60}, sensitive=True))
    assert sensitive.published()[("by_type", "a")] is None
    assert sensitive.status[("by_type", "a")] is Status.PRIMARY


def test_sensitive_cells_use_the_stricter_threshold() -> None:
    result = protect(_one_way({"a": 7, "b": 50, "c": 60}, sensitive=True))
    assert result.status[("by_type", "a")] is Status.PRIMARY
    assert (
        protect(_one_way({"a": 7, "b": 50, "c": 60})).status[("by_type", "a")] is Status.PUBLISHED
    )


def test_differencing_across_tables_through_a_hierarchy() -> None:
    # Regions are published as one table and districts as another; the region "north"
    # is the sum of its districts. Hiding district n1 (2) needs more than its table.
    values: dict[Hashable, int] = {
        "total": 100,
        "north": 42,
        "south": 58,
        "n1": 2,
        "n2": 40,
        "s1": 28,
        "s2": 30,
    }
    sums = [
        Sum("total", ("north", "south")),
        Sum("total", ("n1", "n2", "s1", "s2")),
        Sum("north", ("n1", "n2")),
        Sum("south", ("s1", "s2")),
    ]
    problem = Problem(values, sums)
    result = protect(problem)
    shown = result.published()
    assert shown["n1"] is None
    assert attack(sums, shown, result.status, problem.sensitive, Rules()) == []
    low, high = intervals(sums, shown, ["n1"])["n1"]
    assert high - low >= 5


def test_differencing_across_periods() -> None:
    # A two-month total published next to each month: month 1's small count would be
    # the total minus month 2.
    problem = Problem(
        {"both": 50, "m1": 3, "m2": 47},
        [Sum("both", ("m1", "m2"))],
    )
    result = protect(problem)
    assert result.published()["m2"] is None


def test_inconsistent_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="add up"):
        Problem({"t": 5, "a": 1}, [Sum("t", ("a",))]).check()
    with pytest.raises(ValueError, match="thresholds"):
        Rules(threshold=0)


@st.composite
def _month_tables(draw: st.DrawFn) -> tuple[int, list[int], list[int], bool]:
    small = st.integers(min_value=0, max_value=12)
    dims = {
        "type": draw(st.lists(small, min_size=1, max_size=6)),
        "area": draw(st.lists(small, min_size=1, max_size=6)),
    }
    total = sum(dims["type"])
    # the area table must add up to the same total: rescale into it
    area = [0] * len(dims["area"])
    for i in range(total):
        area[i % len(area)] += 1
    sensitive = draw(st.booleans())
    return total, dims["type"], area, sensitive


@settings(max_examples=60, deadline=None)
@given(months=st.lists(_month_tables(), min_size=1, max_size=4), two_month_total=st.booleans())
def test_random_publications_never_give_a_suppressed_cell_away(
    months: list[tuple[int, list[int], list[int], bool]], two_month_total: bool
) -> None:
    tables = []
    totals: dict[Hashable, int] = {}
    sums_extra = []
    for m, (total, types, areas, sensitive) in enumerate(months):
        totals[("total", m)] = total
        tables.append(
            Table(f"type{m}", {str(i): c for i, c in enumerate(types)}, ("total", m), sensitive)
        )
        tables.append(
            Table(f"area{m}", {str(i): c for i, c in enumerate(areas)}, ("total", m), sensitive)
        )
    problem = tables_to_problem(tables, totals)
    if two_month_total and len(months) > 1:
        problem.values["all"] = sum(totals.values())
        problem.sums.append(Sum("all", tuple(totals)))
        sums_extra.append("all")
    result = protect(problem)
    shown = result.published()
    assert attack(problem.sums, shown, result.status, problem.sensitive, result.rules) == []
    for key, value in problem.values.items():
        threshold = result.rules.threshold_of(key, problem.sensitive)
        if 0 < value < threshold:
            assert shown[key] is None
