"""People who may not see protected cases learn that they exist, as a count and nothing
else, on the inbox, "my work" and the overdue list; the count follows the list, never
the person's filters or words."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from responsemap.accounts.models import User
from responsemap.projects.models import Project
from responsemap.testing import PERSONAS
from responsemap.triage.models import Feedback

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]
NOTICE = 'id="protected-not-shown"'
# Who opens the inbox at all; of them, who is told (the protection role sees the cases).
OPENS_THE_INBOX = {"officer", "protection", "manager"}
TOLD = {"officer", "manager"}
HIDDEN_TEXT = "Quillbrook the guard threatened her at the gate"


@pytest.fixture
def records(make_feedback: Callable[..., Feedback]) -> dict[str, list[Feedback]]:
    normal = [make_feedback(f"The Quillbrook tap {n} is broken", sector="wash") for n in range(2)]
    hidden = [make_feedback(HIDDEN_TEXT, sector="wash", sensitivity="sensitive") for _ in range(3)]
    return {"normal": normal, "hidden": hidden}


def page(client: Client, project: Project, name: str = "triage:inbox", **params: str) -> str:
    response = client.get(reverse(name, args=[project.slug]), params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("persona", [*PERSONAS, "outsider", "sysadmin"])
def test_the_inbox_tells_who_may_not_see_them_how_many_and_nothing_more(
    project: Project, client_as: ClientFor, records: dict[str, list[Feedback]], persona: str
) -> None:
    response = client_as(persona).get(reverse("triage:inbox", args=[project.slug]))
    if persona not in OPENS_THE_INBOX:
        assert response.status_code == 404
        return
    html = response.content.decode()
    for record in records["normal"]:
        assert record.reference in html
    if persona in TOLD:
        assert NOTICE in html
        assert "3 protected cases are not shown (protection staff handle them)." in html
        for record in records["hidden"]:
            assert record.reference not in html
        assert "threatened" not in html
    else:
        # Protection staff see the cases themselves: no notice.
        assert NOTICE not in html
        for record in records["hidden"]:
            assert record.reference in html


def test_one_is_said_in_the_singular(
    project: Project, client_as: ClientFor, make_feedback: Callable[..., Feedback]
) -> None:
    make_feedback("hidden", sensitivity="sensitive")
    html = page(client_as("officer"), project)
    assert "1 protected case is not shown (protection staff handle it)." in html


def test_no_protected_case_no_notice(
    project: Project, client_as: ClientFor, make_feedback: Callable[..., Feedback]
) -> None:
    make_feedback("a normal one")
    assert NOTICE not in page(client_as("officer"), project)


def test_filters_and_words_do_not_move_the_count(
    project: Project, client_as: ClientFor, records: dict[str, list[Feedback]]
) -> None:
    """A count that followed the filters would answer "is there a protected case that
    says Quillbrook, or came on Monday?"."""
    client = client_as("officer")
    said = "3 protected cases are not shown"
    assert said in page(client, project, words="Quillbrook")
    assert said in page(client, project, words="threatened")
    assert said in page(client, project, sector="food")
    yesterday = (timezone.localdate() - timedelta(days=30)).isoformat()
    assert said in page(client, project, until=yesterday)


def test_my_work_counts_the_protected_cases_assigned_to_me(
    project: Project,
    client_as: ClientFor,
    personas: dict[str, User],
    records: dict[str, list[Feedback]],
) -> None:
    mine = records["hidden"][0]
    Feedback.objects.filter(pk=mine.pk).update(assignee=personas["officer"])
    html = page(client_as("officer"), project, "triage:my_work")
    assert "1 protected case is not shown (protection staff handle it)." in html
    assert mine.reference not in html
    # The manager has none assigned: no notice on their own "my work".
    assert NOTICE not in page(client_as("manager"), project, "triage:my_work")


def test_the_overdue_list_counts_the_overdue_protected_cases(
    project: Project, client_as: ClientFor, records: dict[str, list[Feedback]]
) -> None:
    past = timezone.now() - timedelta(days=3)
    late = [r.pk for r in records["hidden"][:2]]
    Feedback.objects.filter(pk__in=late).update(due_at=past)
    html = page(client_as("manager"), project, overdue="on")
    assert "2 protected cases are not shown (protection staff handle them)." in html
    for record in records["hidden"]:
        assert record.reference not in html


def test_another_project_s_protected_cases_are_not_counted(
    project: Project,
    other_project: Project,
    client_as: ClientFor,
    make_feedback: Callable[..., Feedback],
    personas: dict[str, User],
) -> None:
    make_feedback("elsewhere", sensitivity="sensitive", project=other_project)
    assert NOTICE not in page(client_as("officer"), project)
