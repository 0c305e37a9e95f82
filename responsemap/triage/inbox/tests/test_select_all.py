"""Bulk actions on every record matching the inbox's filters, across pages: the count is
confirmed first, the records acted on are exactly the ones counted (or nothing is done),
each through its own audited action; those who may not edit get a 404 and nothing
changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from responsemap.accounts.models import User
from responsemap.projects.models import Project
from responsemap.protection.models import AuditEvent
from responsemap.testing import PERSONAS
from responsemap.triage.inbox import views
from responsemap.triage.inbox.select_all import fingerprint
from responsemap.triage.models import Feedback

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]
EDITORS = {"officer", "protection", "manager"}


@pytest.fixture
def food(make_feedback: Callable[..., Feedback]) -> list[Feedback]:
    made = [make_feedback(f"rice {n}", sector="food") for n in range(30)]
    make_feedback("the tap", sector="wash")
    return made


def post(client: Client, project: Project, **data: Any) -> Any:
    fields = {"action": "status", "to_status": "triaged", "back": "sector=food"}
    fields.update({"everything": "on", **data})
    return client.post(reverse("triage:bulk", args=[project.slug]), fields)


def statuses() -> dict[str, int]:
    found: dict[str, int] = {}
    for status in Feedback.objects.values_list("status", flat=True):
        found[status] = found.get(status, 0) + 1
    return found


def confirm_of(response: Any) -> str:
    html: str = response.content.decode()
    start = html.index('name="confirm" value="') + len('name="confirm" value="')
    return html[start : html.index('"', start)]


def test_the_inbox_offers_all_matching_when_there_is_more_than_a_page(
    project: Project, client_as: ClientFor, food: list[Feedback]
) -> None:
    html = client_as("officer").get(
        reverse("triage:inbox", args=[project.slug]), {"sector": "food"}
    )
    assert 'name="everything"' in html.content.decode()
    assert "all 30 records matching these filters" in html.content.decode()
    # One page's worth: nothing more to select.
    html = client_as("officer").get(
        reverse("triage:inbox", args=[project.slug]), {"sector": "wash"}
    )
    assert 'name="everything"' not in html.content.decode()


def test_the_count_is_confirmed_first_then_each_record_moves_audited(
    project: Project, client_as: ClientFor, food: list[Feedback]
) -> None:
    client = client_as("officer")
    asked = post(client, project)
    assert asked.status_code == 200
    assert "30 records match the inbox's filters" in asked.content.decode()
    assert "Move them to “Triaged”." in asked.content.decode()
    assert statuses() == {"new": 31}  # nothing yet
    done = post(client, project, confirm=confirm_of(asked))
    assert done.status_code == 302
    assert statuses() == {"triaged": 30, "new": 1}
    assert AuditEvent.objects.filter(action="feedback.change_status").count() == 30


def test_a_record_arriving_after_the_count_stops_it_and_asks_again(
    project: Project, client_as: ClientFor, food: list[Feedback], make_feedback: Callable[..., Any]
) -> None:
    client = client_as("officer")
    mark = confirm_of(post(client, project))
    make_feedback("more rice", sector="food")
    again = post(client, project, confirm=mark)
    assert again.status_code == 200
    assert "31 records match" in again.content.decode()
    assert "changed since you counted them" in again.content.decode()
    assert statuses() == {"new": 32}
    post(client, project, confirm=confirm_of(again))
    assert statuses() == {"triaged": 31, "new": 1}


def test_a_record_moved_by_someone_else_meanwhile_is_not_acted_on_blindly(
    project: Project, client_as: ClientFor, food: list[Feedback]
) -> None:
    client = client_as("officer")
    mark = confirm_of(post(client, project, back="sector=food&status=new"))
    Feedback.objects.filter(pk=food[0].pk).update(status="closed")
    again = post(client, project, back="sector=food&status=new", confirm=mark)
    assert again.status_code == 200  # 29 now: asked again, nothing done
    assert statuses() == {"new": 30, "closed": 1}


def test_assigning_all_matching(
    project: Project, client_as: ClientFor, personas: dict[str, User], food: list[Feedback]
) -> None:
    client = client_as("manager")
    target = str(personas["officer"].pk)
    asked = post(client, project, action="assign", assignee=target, to_status="")
    assert "Assign them to" in asked.content.decode()
    post(client, project, action="assign", assignee=target, to_status="", confirm=confirm_of(asked))
    assert Feedback.objects.filter(assignee=personas["officer"]).count() == 30


def test_protected_cases_are_never_among_an_officer_s_matching_records(
    project: Project, client_as: ClientFor, food: list[Feedback], make_feedback: Callable[..., Any]
) -> None:
    hidden = make_feedback("threat", sector="food", sensitivity="sensitive")
    client = client_as("officer")
    asked = post(client, project)
    assert "30 records match" in asked.content.decode()
    post(client, project, confirm=confirm_of(asked))
    assert Feedback.objects.get(pk=hidden.pk).status == "new"


def test_too_many_is_refused_and_nothing_changes(
    project: Project, client_as: ClientFor, food: list[Feedback], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "SELECT_ALL_MAX", 10)
    response = post(client_as("officer"), project, confirm="x")
    assert response.status_code == 302
    assert statuses() == {"new": 31}


def test_unreadable_filters_are_refused_and_nothing_changes(
    project: Project, client_as: ClientFor, food: list[Feedback]
) -> None:
    response = post(client_as("officer"), project, back="since=not-a-date")
    assert response.status_code == 302
    response = post(client_as("officer"), project, back="sector=no-such-sector", confirm="x")
    assert response.status_code == 302
    assert statuses() == {"new": 31}


@pytest.mark.parametrize("persona", [*PERSONAS, "outsider", "sysadmin"])
def test_who_may_act_on_all_matching(
    project: Project, client_as: ClientFor, food: list[Feedback], persona: str
) -> None:
    ids = [str(pk) for pk in Feedback.objects.filter(sector="food").values_list("pk", flat=True)]
    # Even with the right fingerprint, a role that may not edit changes nothing.
    response = post(client_as(persona), project, confirm=fingerprint(ids))
    if persona in EDITORS:
        assert response.status_code == 302
        assert statuses() == {"triaged": 30, "new": 1}
    else:
        assert response.status_code == 404
        assert statuses() == {"new": 31}
        assert not AuditEvent.objects.filter(action="feedback.change_status").exists()
