"""Response-time figures: time from received to the first reply or "answered", median
and 90th percentile per type, area and team, with counts; who may see them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from responsemap.geo.models import AdminArea
from responsemap.projects.models import Project
from responsemap.protection.viewer import Viewer
from responsemap.triage.actions import do_change_status
from responsemap.triage.choices import Sensitivity, Status
from responsemap.triage.models import Feedback
from responsemap.triage.replies.models import Reply
from responsemap.triage.replies.queries import GROUPINGS, response_times

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]
ViewerFor = Callable[[str], Viewer]


def replied_after(record: Feedback, hours: float) -> None:
    reply = Reply(
        project_id=record.project_id,
        feedback=record,
        created_at=record.received_at + timedelta(hours=hours),
    )
    reply.text = "ok"
    reply.save()


def window() -> tuple[datetime, datetime]:
    now = timezone.now()
    return now - timedelta(days=30), now + timedelta(days=1)


def test_median_and_p90_per_type_with_counts(
    as_viewer: ViewerFor, make_feedback: Callable[..., Feedback]
) -> None:
    received = timezone.now() - timedelta(days=2)
    complaints = [make_feedback(type_code="complaint", received_at=received) for _ in range(10)]
    for hours, record in zip(range(1, 11), complaints, strict=True):
        replied_after(record, hours)
    make_feedback(type_code="question", received_at=received)  # never answered
    rows = {r.group: r for r in response_times(as_viewer("officer"), "type_code", *window())}
    assert (rows["complaint"].received, rows["complaint"].answered) == (10, 10)
    assert rows["complaint"].median_hours == pytest.approx(5.5)
    assert rows["complaint"].p90_hours == pytest.approx(9)
    assert (rows["question"].received, rows["question"].answered) == (1, 0)
    assert rows["question"].median_hours is None


def test_the_first_of_reply_and_answered_counts(
    as_viewer: ViewerFor, make_feedback: Callable[..., Feedback]
) -> None:
    record = make_feedback(received_at=timezone.now() - timedelta(hours=5))
    officer = as_viewer("officer")
    for status in ("triaged", "assigned", "in_progress", "answered"):
        do_change_status(officer, record.pk, status)
    replied_after(record, 4)  # later than the move, made just now
    [row] = response_times(officer, "type_code", *window())
    assert row.answered == 1
    assert row.median_hours == pytest.approx(4, abs=0.01)
    record.refresh_from_db()
    assert record.status == Status.ANSWERED


def test_grouped_by_area_and_team(
    as_viewer: ViewerFor, make_feedback: Callable[..., Feedback], area: AdminArea
) -> None:
    make_feedback(area=area)
    make_feedback()
    rows = response_times(as_viewer("officer"), "area", *window())
    assert {(r.group, r.received) for r in rows} == {("Test district", 1), ("", 1)}
    if "team" in GROUPINGS:
        [row] = response_times(as_viewer("officer"), "team", *window())
        assert (row.group, row.received) == ("", 2)


def test_protection_cases_are_counted_for_protection_roles_only(
    as_viewer: ViewerFor, make_feedback: Callable[..., Feedback]
) -> None:
    make_feedback()
    make_feedback(sensitivity=Sensitivity.SENSITIVE)
    assert (
        sum(r.received for r in response_times(as_viewer("officer"), "type_code", *window())) == 1
    )
    assert (
        sum(r.received for r in response_times(as_viewer("protection"), "type_code", *window()))
        == 2
    )


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("officer", True),
        ("protection", True),
        ("manager", True),
        ("operator", False),
        ("partner", False),
        ("donor", False),
        ("outsider", False),
        ("sysadmin", False),
    ],
)
def test_response_times_screen_persona_matrix(
    persona: str,
    allowed: bool,
    client_as: ClientFor,
    project: Project,
    make_feedback: Callable[..., Feedback],
) -> None:
    record = make_feedback(type_code="complaint", received_at=timezone.now() - timedelta(hours=3))
    replied_after(record, 2)
    url = reverse("triage:response_times", args=[project.slug])
    response = client_as(persona).get(url + "?group_by=type_code")
    assert response.status_code == (200 if allowed else 404)
    if allowed:
        body = response.content.decode()
        assert "Complaint" in body
        assert "2.0" in body
        assert "complaint<" not in body  # words, never codes
