"""The inbox's filters (sector, sensitivity, assignee), its orders and its numbered
pager (issue 10, point 5)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from responsemap.accounts.models import User
from responsemap.lib.pager import page_numbers as _page_numbers
from responsemap.projects.models import Project
from responsemap.protection.audit import event_details
from responsemap.protection.models import AuditEvent
from responsemap.triage import views
from responsemap.triage.models import Feedback
from responsemap.triage.views import PAGE_SIZE

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]
START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def references(client: Client, project: Project, **params: str) -> list[str]:
    response = client.get(reverse("triage:inbox", args=[project.slug]), params)
    assert response.status_code == 200
    return [str(shown["reference"]) for shown in response.context["items"]]


def last_listing_fields() -> list[str]:
    event = AuditEvent.objects.filter(action="feedback.list").latest("created_at", "seq")
    return list(event_details([event])[0].fields)


def test_sector_filter_keeps_only_that_sector_and_the_listing_names_it(
    client_as: ClientFor, project: Project, make_feedback: Callable[..., Feedback]
) -> None:
    food = make_feedback("No rice this week", sector="food")
    make_feedback("Latrines overflowing", sector="wash")
    assert references(client_as("officer"), project, sector="food") == [food.reference]
    assert last_listing_fields() == ["sector"]


def test_sensitivity_filter_is_offered_only_to_roles_that_see_sensitive_records(
    client_as: ClientFor, project: Project, make_feedback: Callable[..., Feedback]
) -> None:
    sensitive = make_feedback("Threatened at the distribution", sensitivity="sensitive")
    make_feedback("The water point is broken")
    url = reverse("triage:inbox", args=[project.slug])
    officer = client_as("officer").get(url)
    assert "sensitivity" not in officer.context["form"].fields
    assert 'name="sensitivity"' not in officer.content.decode()
    # The parameter sent anyway filters nothing and is not named on the trail.
    assert client_as("officer").get(url, {"sensitivity": "sensitive"}).context["items"] != []
    assert last_listing_fields() == []
    protection = client_as("protection")
    assert 'name="sensitivity"' in protection.get(url).content.decode()
    assert references(protection, project, sensitivity="sensitive") == [sensitive.reference]
    assert last_listing_fields() == ["sensitivity"]


def test_assignee_filter_offers_project_members_and_keeps_their_records(
    client_as: ClientFor,
    project: Project,
    personas: dict[str, User],
    make_feedback: Callable[..., Feedback],
) -> None:
    mine = make_feedback("Assigned to the officer")
    make_feedback("Nobody's yet")
    # Tests may write directly (the assign action has tests of its own).
    Feedback.objects.filter(pk=mine.pk).update(assignee=personas["officer"])
    officer = client_as("officer")
    response = officer.get(reverse("triage:inbox", args=[project.slug]))
    offered = {str(pk) for pk, _label in response.context["form"].fields["assignee"].choices}
    assert str(personas["officer"].pk) in offered
    assert str(personas["outsider"].pk) not in offered  # a member of another project
    assert references(officer, project, assignee=str(personas["officer"].pk)) == [mine.reference]
    assert last_listing_fields() == ["assignee"]


def test_an_assignee_who_is_not_a_member_is_a_form_error_not_a_500(
    client_as: ClientFor, project: Project, personas: dict[str, User]
) -> None:
    url = reverse("triage:inbox", args=[project.slug])
    for value in (str(personas["outsider"].pk), "x"):
        response = client_as("officer").get(url, {"assignee": value})
        assert response.status_code == 200
        assert "assignee" in response.context["form"].errors


def test_orders_newest_oldest_and_most_urgent_first(
    client_as: ClientFor, project: Project, make_feedback: Callable[..., Feedback]
) -> None:
    low = make_feedback("a", urgency="low", received_at=START)
    critical = make_feedback("b", urgency="critical", received_at=START + timedelta(hours=1))
    normal = make_feedback("c", urgency="normal", received_at=START + timedelta(hours=2))
    high = make_feedback("d", urgency="high", received_at=START + timedelta(hours=3))
    officer = client_as("officer")
    newest = [high, normal, critical, low]
    assert references(officer, project) == [r.reference for r in newest]
    assert references(officer, project, sort="oldest") == [r.reference for r in newest[::-1]]
    by_urgency = [critical, high, normal, low]
    assert references(officer, project, sort="urgency") == [r.reference for r in by_urgency]
    assert last_listing_fields() == []  # an order is not a filter


def test_page_numbers_first_last_window_and_ellipses() -> None:
    assert _page_numbers(1, 1) == [1]
    assert _page_numbers(1, 3) == [1, 2, 3]
    assert _page_numbers(1, 10) == [1, 2, 3, None, 10]
    assert _page_numbers(5, 10) == [1, 2, 3, 4, 5, 6, 7, None, 10]
    assert _page_numbers(6, 12) == [1, None, 4, 5, 6, 7, 8, None, 12]
    assert _page_numbers(10, 10) == [1, None, 8, 9, 10]


def test_pager_links_are_numbered_and_keep_the_filters(
    client_as: ClientFor, project: Project, make_feedback: Callable[..., Feedback]
) -> None:
    for n in range(PAGE_SIZE * 2 + 1):
        make_feedback(f"message {n}", sector="food", received_at=START + timedelta(minutes=n))
    make_feedback("another sector", sector="wash")
    response = client_as("officer").get(
        reverse("triage:inbox", args=[project.slug]),
        {"sector": "food", "sort": "oldest", "page": "2"},
    )
    html = response.content.decode()
    pager = html[html.index('class="pager"') :]
    links = re.findall(r'href="\?([^"]*)"', pager)
    assert links, pager
    for link in links:
        assert "sector=food" in link, link
        assert "sort=oldest" in link, link
    pages = [re.search(r"page=(\d+)", link).group(1) for link in links]  # type: ignore[union-attr]
    # previous, 1, 2 (current), 3, next
    assert pages == ["1", "1", "2", "3", "3"]
    assert 'aria-current="page"' in pager
    assert response.context["pager"]["count"] == PAGE_SIZE * 2 + 1


def test_inbox_query_count_does_not_grow_with_rows_or_filters(
    client_as: ClientFor,
    project: Project,
    personas: dict[str, User],
    make_feedback: Callable[..., Feedback],
) -> None:
    def count(rows: int) -> int:
        for n in range(rows):
            made = make_feedback(f"message {n}", sector="food", urgency="high")
            Feedback.objects.filter(pk=made.pk).update(assignee=personas["officer"])
        client = client_as("protection")
        params = {
            "sector": "food",
            "urgency": "high",
            "assignee": str(personas["officer"].pk),
            "sensitivity": "normal",
            "sort": "urgency",
        }
        client.get(reverse("triage:inbox", args=[project.slug]), params)  # warm up
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("triage:inbox", args=[project.slug]), params)
        assert response.status_code == 200
        return len(queries)

    few = count(2)
    many = count(40)
    assert many == few


def test_the_audit_trail_has_the_same_numbered_pager(
    client_as: ClientFor,
    project: Project,
    make_feedback: Callable[..., Feedback],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(views, "AUDIT_PAGE_SIZE", 1)
    record = make_feedback()
    manager = client_as("manager")
    url = reverse("triage:audit", args=[project.slug, record.pk])
    for _ in range(4):
        manager.get(url)
    response = manager.get(url, {"page": "3"})
    assert response.status_code == 200
    pager = response.context["pager"]
    assert pager["number"] == 3
    assert pager["num_pages"] >= 5
    html = response.content.decode()
    assert '<a aria-current="page" href="?page=3">' in html
    assert 'href="?page=1"' in html
