from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from responsemap.analytics.actions import do_rebuild_rollups, do_recompute_days
from responsemap.analytics.models import Rollup, RollupState
from responsemap.analytics.rollups import bucket_of
from responsemap.analytics.upkeep import refresh_rollups
from responsemap.protection.models import AuditEvent
from responsemap.triage.actions import do_change_status
from responsemap.triage.models import Feedback

pytestmark = pytest.mark.django_db


def cells(project: Any) -> dict[tuple[object, ...], int]:
    return {
        (r.day, r.type_code, r.sector, r.status, r.sensitivity, r.area_id): r.records
        for r in Rollup.objects.filter(project=project)
    }


def test_a_rebuild_counts_every_record_by_day_and_codes(
    project: Any, make_feedback: Any, area: Any
) -> None:
    day = datetime(2026, 3, 4, 10, tzinfo=UTC)
    wash = {"type_code": "question", "sector": "wash", "area": area}
    make_feedback(received_at=day, **wash)
    make_feedback(received_at=day + timedelta(hours=1), **wash)
    make_feedback(received_at=day + timedelta(days=1), type_code="complaint", sector="food")
    make_feedback(
        received_at=day, sensitivity="sensitive", type_code="protection", sector="protection"
    )

    written = do_rebuild_rollups(project.pk)

    assert written == 3
    assert cells(project) == {
        (day.date(), "question", "wash", "new", "normal", area.pk): 2,
        (day.date() + timedelta(days=1), "complaint", "food", "new", "normal", None): 1,
        (day.date(), "protection", "protection", "new", "sensitive", None): 1,
    }
    assert AuditEvent.objects.filter(project_id=project.pk, action="rollups.rebuild").count() == 1


def test_recomputing_a_day_twice_gives_the_same_cells(project: Any, make_feedback: Any) -> None:
    day = datetime(2026, 3, 4, 10, tzinfo=UTC)
    make_feedback(received_at=day, type_code="question")
    do_recompute_days(project.pk, [day.date()])
    first = cells(project)
    do_recompute_days(project.pk, [day.date()])
    assert cells(project) == first
    assert Rollup.objects.filter(project=project).count() == 1


def test_a_rebuild_drops_cells_of_days_with_no_record_left(
    project: Any, make_feedback: Any
) -> None:
    record = make_feedback(received_at=datetime(2026, 3, 4, tzinfo=UTC))
    make_feedback(received_at=datetime(2026, 3, 9, tzinfo=UTC))
    do_rebuild_rollups(project.pk)
    Feedback.objects.filter(pk=record.pk).delete()
    do_rebuild_rollups(project.pk)
    assert sum(cells(project).values()) == 1


def test_upkeep_builds_a_project_once_then_follows_new_and_changed_records(
    project: Any, make_feedback: Any, viewer_of: Any, django_assert_max_num_queries: Any
) -> None:
    old = make_feedback(received_at=datetime(2025, 1, 2, tzinfo=UTC), type_code="question")
    refresh_rollups()  # the first build, the old record included
    assert sum(cells(project).values()) == 1
    assert RollupState.objects.get(project=project).rebuilt_at is not None

    # Nothing changed: one round is a few queries and writes nothing.
    with django_assert_max_num_queries(4):
        assert refresh_rollups() == 0

    now = datetime.now(UTC)
    make_feedback(received_at=now, type_code="complaint")
    refresh_rollups()
    assert cells(project)[(now.date(), "complaint", "uncoded", "new", "normal", None)] == 1

    do_change_status(viewer_of("officer"), old.pk, "closed")
    refresh_rollups()
    assert cells(project) == {
        (old.received_at.date(), "question", "uncoded", "closed", "normal", None): 1,
        (now.date(), "complaint", "uncoded", "new", "normal", None): 1,
    }
    # The same change is not recomputed again in the next round.
    assert refresh_rollups() == 0


def test_upkeep_redoes_recent_days_whose_counts_differ(project: Any, make_feedback: Any) -> None:
    now = datetime.now(UTC)
    record = make_feedback(received_at=now - timedelta(days=2))
    refresh_rollups()
    Feedback.objects.filter(pk=record.pk).delete()  # an erasure stamps nothing
    RollupState.objects.filter(project=project).update(verified_at=now - timedelta(hours=1))
    refresh_rollups()
    assert cells(project) == {}


def test_response_and_close_times_are_counted_in_buckets(
    project: Any, make_feedback: Any, viewer_of: Any
) -> None:
    received = datetime.now(UTC) - timedelta(hours=3)
    record = make_feedback(received_at=received)
    officer = viewer_of("officer")
    do_change_status(officer, record.pk, "triaged")
    do_change_status(officer, record.pk, "answered")
    do_change_status(officer, record.pk, "closed")
    do_rebuild_rollups(project.pk)
    cell = Rollup.objects.get(project=project)
    assert (cell.responded, cell.closed) == (1, 1)
    assert 175 <= cell.response_minutes <= 185
    assert (cell.r1, cell.c1) == (1, 1)  # 1 to 4 hours


@pytest.mark.parametrize(
    ("minutes", "bucket"),
    [(0, 0), (59, 0), (60, 1), (239, 1), (240, 2), (1439, 2), (1440, 3), (43199, 5), (43200, 6)],
)
def test_buckets(minutes: int, bucket: int) -> None:
    assert bucket_of(minutes) == bucket


def test_rebuild_rollups_command_shows_progress(project: Any, make_feedback: Any) -> None:
    make_feedback(received_at=datetime(2026, 1, 1, tzinfo=UTC))
    make_feedback(received_at=datetime(2026, 6, 1, tzinfo=UTC))
    out = StringIO()
    call_command("rebuild_rollups", "--project", project.slug, stdout=out)
    text = out.getvalue()
    assert "100%" in text
    assert "2 records" in text
    assert sum(cells(project).values()) == 2


def test_rebuild_rollups_command_refuses_an_unknown_project(db: Any) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No project"):
        call_command("rebuild_rollups", "--project", "nope", stdout=StringIO())


def test_margins_sum_the_cells_along_every_dimension(
    project: Any, make_feedback: Any, area: Any, viewer_of: Any
) -> None:
    from responsemap.analytics.queries import Filters, summarise

    day = datetime(2026, 3, 4, 10, tzinfo=UTC)
    make_feedback(received_at=day, type_code="question", area=area, gender="female")
    make_feedback(received_at=day, type_code="complaint", source="hotline")
    make_feedback(received_at=day, sensitivity="sensitive", type_code="protection")
    do_rebuild_rollups(project.pk)
    viewer = viewer_of("protection")
    dates = Filters(since=day.date(), until=day.date())
    from_margins = summarise(viewer, dates)
    # A filter that keeps everything reads the cells instead: the same figures.
    every_status = [
        summarise(viewer, Filters(since=day.date(), until=day.date(), status=status))
        for status in ("new",)
    ][0]
    for name, found in from_margins.breakdowns.items():
        assert found.bars == every_status.breakdowns[name].bars, name
    assert from_margins.totals == every_status.totals
    assert from_margins.volume == [(day.date(), 3)]
