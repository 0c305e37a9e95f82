"""Shared fixtures: two projects and the fixed cast of personas (STYLE.md)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from responsemap.accounts.actions import do_add_member
from responsemap.accounts.models import User
from responsemap.geo.actions import do_create_area
from responsemap.geo.models import AdminArea
from responsemap.lib import clock as lib_clock
from responsemap.projects.actions import do_create_organisation, do_create_project
from responsemap.projects.models import Organisation, Project
from responsemap.protection import system_opens
from responsemap.triage.actions import NewFeedback, do_create_feedback
from responsemap.triage.models import Feedback

PASSWORD = "persona-password-1"  # noqa: S105 (test personas only)
PERSONAS = ["operator", "officer", "protection", "manager", "partner", "donor"]


def make_project(slug: str, country: str = "HT") -> Project:
    org = Organisation.objects.filter(slug="test-org").first() or do_create_organisation(
        name="Test org", slug="test-org"
    )
    return do_create_project(
        organisation=org,
        name=f"Project {slug}",
        slug=slug,
        country=country,
        languages=["fr", "en"],
        purpose="Testing",
        status=Project.Status.ACTIVE,
    )


@pytest.fixture
def project(db: Any) -> Project:
    return make_project("alpha")


@pytest.fixture
def other_project(db: Any) -> Project:
    return make_project("beta")


@pytest.fixture
def area(project: Project) -> AdminArea:
    return do_create_area(
        project_id=project.pk,
        pcode="XT01",
        name="Test district",
        level=1,
        geometry={
            "type": "Polygon",
            "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]],
        },
    )


@pytest.fixture
def personas(project: Project, other_project: Project) -> dict[str, User]:
    """One user per persona in ``project``; ``outsider`` is an officer of ``other_project``;
    ``sysadmin`` is a superuser with no membership."""
    users: dict[str, User] = {}
    for code in PERSONAS:
        users[code] = User.objects.create_user(code, password=PASSWORD)
        do_add_member(project_id=project.pk, user=users[code], role_code=code)
    users["outsider"] = User.objects.create_user("outsider", password=PASSWORD)
    do_add_member(project_id=other_project.pk, user=users["outsider"], role_code="officer")
    users["sysadmin"] = User.objects.create_superuser("sysadmin", password=PASSWORD)
    return users


@pytest.fixture
def client_as(personas: dict[str, User]) -> Callable[[str], Client]:
    def make(persona: str) -> Client:
        client = Client()
        client.force_login(personas[persona])
        return client

    return make


@pytest.fixture
def make_feedback(project: Project) -> Callable[..., Feedback]:
    def make(content: str = "The water point is broken", **fields: Any) -> Feedback:
        target = fields.pop("project", project)
        return do_create_feedback(
            target,
            NewFeedback(source=fields.pop("source", "sms"), content=content, **fields),
            None,
        )

    return make


@pytest.fixture
def clock() -> Iterator[lib_clock.FakeClock]:
    """A clock that moves only on ``advance()`` (or a ``sleep()``): timed logic without waiting."""
    fake = lib_clock.FakeClock()
    with lib_clock.use(fake):
        yield fake


@pytest.fixture(autouse=True)
def _system_opens_start_from_none() -> Iterator[None]:
    """Counts of system opens live in the process (protection.system_opens): none may
    carry over from one test, whose projects are gone, into the next."""
    system_opens.forget()
    yield
    system_opens.forget()


@pytest.fixture
def database_tasks(settings: Any) -> Iterator[None]:
    """The production task backend (rows in the database, deferrable): the tests' own
    backend runs tasks at once."""
    from responsemap.intake.messages import sweep
    from responsemap.settings import TASK_QUEUES

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": TASK_QUEUES}
    }
    sweep._sweep_starts_at = 0.0
    yield
    sweep._sweep_starts_at = 0.0
