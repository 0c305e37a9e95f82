"""The protected months are kept: solved again only when the month's rollups (or the
thresholds) change, never again once the public page released the month."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from responsemap.analytics.actions import do_rebuild_rollups
from responsemap.analytics.protected import months as protected
from responsemap.analytics.protected.models import ProtectedMonth
from responsemap.analytics.public.actions import do_release_month
from responsemap.analytics.public.tests.conftest import months_ago, page_on

pytestmark = pytest.mark.django_db


@pytest.fixture
def solved(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = protected.protect  # type: ignore[attr-defined]

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(protected, "protect", counting)
    return calls


def _records(make_feedback: Any, month: Any, n: int) -> None:
    for _n in range(n):
        make_feedback(received_at=datetime(month.year, month.month, 3, 9, tzinfo=UTC))


def test_kept_until_the_rollups_change(project: Any, make_feedback: Any, solved: list[int]) -> None:
    month = months_ago(1)
    _records(make_feedback, month, 12)
    do_rebuild_rollups(project.pk)
    (first,) = protected.protected_months(project.pk, [month])
    (again,) = protected.protected_months(project.pk, [month])
    assert len(solved) == 1
    assert again.cells == first.cells
    assert first.get(protected.TOTAL_GENERAL) == 12
    _records(make_feedback, month, 1)  # a late record
    do_rebuild_rollups(project.pk)
    (moved,) = protected.protected_months(project.pk, [month])
    assert len(solved) == 2
    assert moved.get(protected.TOTAL_GENERAL) == 13
    assert ProtectedMonth.objects.filter(project=project).count() == 1


def test_thresholds_are_part_of_the_key(
    project: Any, make_feedback: Any, viewer_of: Any, solved: list[int]
) -> None:
    month = months_ago(1)
    _records(make_feedback, month, 6)
    do_rebuild_rollups(project.pk)
    (shown,) = protected.protected_months(project.pk, [month])
    assert shown.get(protected.TOTAL_GENERAL) == 6
    page_on(viewer_of("manager"), threshold=7)
    (hidden,) = protected.protected_months(project.pk, [month])
    assert len(solved) == 2
    assert hidden.get(protected.TOTAL_GENERAL) is None


def test_a_released_month_is_frozen(
    project: Any, make_feedback: Any, viewer_of: Any, solved: list[int]
) -> None:
    month = months_ago(1)
    _records(make_feedback, month, 12)
    do_rebuild_rollups(project.pk)
    manager = viewer_of("manager")
    page_on(manager)
    do_release_month(manager, month)
    count = len(solved)
    _records(make_feedback, month, 5)  # late records never reach a released month
    do_rebuild_rollups(project.pk)
    (frozen,) = protected.protected_months(project.pk, [month])
    assert frozen.frozen
    assert frozen.get(protected.TOTAL_GENERAL) == 12
    assert len(solved) == count
