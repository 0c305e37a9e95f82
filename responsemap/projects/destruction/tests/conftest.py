from __future__ import annotations

from typing import Any

import pytest

from responsemap.accounts.models import User
from responsemap.projects.lifecycle.actions import do_close_project
from responsemap.projects.models import Project
from responsemap.triage.actions import NewFeedback, do_create_feedback

MESSAGES = [
    "Pa gen dlo nan blok 4 depi twa jou",
    "Distribisyon manje a pa rive nan Quorimba",
    "Latrin yo kraze toupre lekol la",
]


def fill(project: Project, n: int = 3) -> None:
    """Records with their redacted copies and search tokens (the immediate backend runs
    the redaction task)."""
    for i in range(n):
        do_create_feedback(
            project, NewFeedback(source="hotline", content=MESSAGES[i % len(MESSAGES)]), None
        )


def close(project: Project) -> None:
    assert do_close_project(project, actor=None, approver="Data controller")


@pytest.fixture
def closed_project(project: Project, personas: dict[str, User]) -> Project:
    fill(project)
    close(project)
    return project


@pytest.fixture
def org_admin(project: Project, db: Any) -> User:
    from responsemap.projects.models import OrganisationAdmin

    user = User.objects.create_user("orgadmin", password="persona-password-1")
    OrganisationAdmin.objects.create(organisation=project.organisation, user=user)
    return user
