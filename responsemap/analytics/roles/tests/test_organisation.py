"""The organisation-level view: every project whose dashboards the person may see,
each by that project's rules for them; a project they may not see never appears."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.urls import reverse

from responsemap.accounts.actions import do_add_member
from responsemap.analytics.actions import do_rebuild_rollups
from responsemap.analytics.roles.organisation import organisation_figures
from responsemap.testing import make_project

pytestmark = pytest.mark.django_db

NOW = datetime.now(UTC)
URL = "/dashboards/"


@pytest.fixture
def spread(
    project: Any, other_project: Any, personas: dict[str, Any], make_feedback: Any
) -> dict[str, Any]:
    """alpha: 7 records; beta: 3 (the outsider is its officer); gamma: 2, where
    nobody of the cast is a member, named so it would show if it leaked."""
    for _n in range(7):
        make_feedback(received_at=NOW, type_code="question", sector="wash")
    for _n in range(3):
        make_feedback(received_at=NOW, type_code="complaint", sector="food", project=other_project)
    gamma = make_project("gamma-secret")
    for _n in range(2):
        make_feedback(received_at=NOW, project=gamma)
    for target in (project, other_project, gamma):
        do_rebuild_rollups(target.pk)
    return {"gamma": gamma}


def test_url() -> None:
    assert reverse("organisation_dashboard") == URL


@pytest.mark.parametrize(
    ("persona", "status", "shown"),
    [
        ("operator", 404, []),
        ("officer", 200, ["Project alpha"]),
        ("protection", 200, ["Project alpha"]),
        ("manager", 200, ["Project alpha"]),
        ("partner", 404, []),
        ("donor", 200, ["Project alpha"]),
        ("outsider", 200, ["Project beta"]),
        ("sysadmin", 404, []),
    ],
)
def test_each_persona_sees_only_its_projects(
    client_as: Any, spread: Any, persona: str, status: int, shown: list[str]
) -> None:
    response = client_as(persona).get(URL)
    assert response.status_code == status
    body = response.content.decode()
    for name in ("Project alpha", "Project beta", "Project gamma-secret"):
        assert (name in body) == (name in shown), name


def test_two_projects_side_by_side_each_by_its_role(
    personas: dict[str, Any], other_project: Any, spread: Any
) -> None:
    """The officer of alpha, made a donor in beta: alpha in full, beta as to a donor
    (3 records: held back)."""
    do_add_member(project_id=other_project.pk, user=personas["officer"], role_code="donor")
    found = {f.slug: f for f in organisation_figures(personas["officer"], NOW)}
    assert set(found) == {"alpha", "beta"}
    assert found["alpha"].records == 7
    assert not found["alpha"].coarse
    assert found["alpha"].open_cases is not None
    assert found["beta"].coarse
    assert found["beta"].records is None  # 3: below 5
    assert found["beta"].open_cases is None
    assert found["beta"].concerns == []
    assert all(n is None or n >= 5 for _s, n in found["beta"].weeks if n)


def test_a_role_without_dashboards_keeps_the_project_out(
    personas: dict[str, Any], other_project: Any, spread: Any
) -> None:
    do_add_member(project_id=other_project.pk, user=personas["officer"], role_code="operator")
    assert [f.slug for f in organisation_figures(personas["officer"], NOW)] == ["alpha"]


def test_query_count_grows_by_project_not_by_record(
    client_as: Any,
    personas: dict[str, Any],
    other_project: Any,
    spread: Any,
    django_assert_num_queries: Any,
) -> None:
    client = client_as("officer")
    client.get(URL)
    with django_assert_num_queries(ONE_PROJECT):
        client.get(URL)
    do_add_member(project_id=other_project.pk, user=personas["officer"], role_code="officer")
    client.get(URL)
    with django_assert_num_queries(ONE_PROJECT + PER_PROJECT):
        client.get(URL)


# session, user, the projects, then per project: its viewer, open urgent, critical,
# overdue (capped counts) and its emerging concerns; and the week totals of every
# project at once. None per record.
ONE_PROJECT = 10
PER_PROJECT = 5
