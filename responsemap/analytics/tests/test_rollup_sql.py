"""The cells and margins counted by the database (``rollup_sql``, what the rebuild
and the upkeep write) are exactly those of the Python reference
(``rollups.compute_cells`` and ``rollups.margins_of``)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from responsemap.analytics.actions import do_rebuild_rollups, do_recompute_days
from responsemap.analytics.models import Rollup, RollupMargin
from responsemap.analytics.rollups import COUNTER_NAMES, compute_cells, margins_of
from responsemap.triage.actions import do_change_status
from responsemap.triage.replies.models import Reply

pytestmark = pytest.mark.django_db

CELL_KEY = (
    "day",
    "area_id",
    "type_code",
    "sector",
    "source",
    "status",
    "gender",
    "age_band",
    "disability",
    "displacement",
    "sensitivity",
)


def stored_cells(project: Any) -> dict[tuple[object, ...], list[int]]:
    rows = Rollup.objects.filter(project=project).values_list(*CELL_KEY, *COUNTER_NAMES)
    return {(row[0].isoformat(), *row[1:11]): list(row[11:]) for row in rows}


def stored_margins(project: Any) -> dict[tuple[object, ...], list[int]]:
    rows = RollupMargin.objects.filter(project=project).values_list(
        "day", "dimension", "value", "sensitivity", *COUNTER_NAMES
    )
    return {(row[0].isoformat(), *row[1:4]): list(row[4:]) for row in rows}


def records_with_times(
    project: Any, make_feedback: Any, viewer_of: Any, area: Any, freeze: Any
) -> tuple[date, date]:
    """Records over three days with replies and moves at awkward times: fractions of
    a second either side of a whole minute, a reply after the answer, a move before
    the record's time (0 minutes), times in every bucket."""
    officer = viewer_of("officer")
    base = datetime(2026, 3, 4, 23, 59, 59, 900_000, tzinfo=UTC)
    plain = make_feedback(received_at=base, type_code="question", area=area)
    make_feedback(received_at=base + timedelta(microseconds=50_000), type_code="question")
    make_feedback(received_at=base, sensitivity="sensitive", type_code="protection")
    awkward = [
        (timedelta(seconds=59, microseconds=999_999), timedelta(minutes=61)),
        (timedelta(seconds=60), timedelta(hours=5)),
        (timedelta(minutes=239, seconds=59), timedelta(days=2)),
        (timedelta(hours=30), timedelta(days=8)),
        (timedelta(days=40), timedelta(days=45)),
        (-timedelta(minutes=3), timedelta(minutes=1)),
    ]
    for n, (answer_after, close_after) in enumerate(awkward):
        received = base + timedelta(hours=n * 7, microseconds=n * 123_457)
        record = make_feedback(received_at=received, type_code="complaint", sector="wash")
        freeze(received + answer_after)
        do_change_status(officer, record.pk, "triaged")
        do_change_status(officer, record.pk, "answered")
        freeze(received + close_after)
        do_change_status(officer, record.pk, "closed")
        do_change_status(officer, record.pk, "in_progress")
        do_change_status(officer, record.pk, "closed")  # the first close counts
    replied = make_feedback(received_at=base + timedelta(hours=3), source="hotline")
    for minutes in (95, 14):  # the earlier reply counts
        Reply.objects.create(
            project=project, feedback=replied, created_at=replied.received_at + timedelta(
                minutes=minutes, microseconds=1)
        )  # fmt: skip
    freeze(replied.received_at + timedelta(minutes=30))
    do_change_status(officer, replied.pk, "triaged")
    do_change_status(officer, replied.pk, "answered")  # later than the first reply
    Reply.objects.create(project=project, feedback=plain, created_at=base + timedelta(days=1))
    return base.date(), base.date() + timedelta(days=3)


@pytest.fixture
def freeze(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Set the time of what follows (the audit trail stamps with Django's clock)."""
    from django.utils import timezone

    from responsemap.lib import clock

    def set_to(moment: datetime) -> None:
        monkeypatch.setattr(clock, "now", lambda: moment)
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return set_to


def test_rebuild_in_sql_gives_the_cells_and_margins_of_the_python_reference(
    project: Any, make_feedback: Any, viewer_of: Any, area: Any, freeze: Any
) -> None:
    first_day, end_day = records_with_times(project, make_feedback, viewer_of, area, freeze)
    expected = {
        key: counters for key, counters in compute_cells(project.pk, first_day, end_day).items()
    }
    assert sum(c[1] for c in expected.values()) == 8  # six answered, two replied
    do_rebuild_rollups(project.pk)
    assert stored_cells(project) == expected
    assert stored_margins(project) == margins_of(expected)


def test_the_upkeeps_day_by_day_recompute_gives_the_rebuilds_cells(
    project: Any, make_feedback: Any, viewer_of: Any, area: Any, freeze: Any
) -> None:
    first_day, end_day = records_with_times(project, make_feedback, viewer_of, area, freeze)
    do_rebuild_rollups(project.pk)
    rebuilt = stored_cells(project), stored_margins(project)
    Rollup.objects.filter(project=project).delete()
    RollupMargin.objects.filter(project=project).delete()
    do_recompute_days(project.pk, [first_day + timedelta(days=n) for n in range(3)])
    assert (stored_cells(project), stored_margins(project)) == rebuilt
    assert end_day == first_day + timedelta(days=3)


def test_open_cases_ask_in_the_words_of_the_partial_indexes() -> None:
    """The database uses a partial index only for a query that states its condition:
    ``queries.OPEN_SQL`` must stay what migration 0006 indexed."""
    import importlib

    from responsemap.analytics.queries import OPEN_SQL

    migration = importlib.import_module("responsemap.analytics.migrations.0006_speed")
    assert migration.OPEN_RECORDS == OPEN_SQL
