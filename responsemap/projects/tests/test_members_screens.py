"""Issue 10, point 4: the members, teams and roles screens, for every persona. Only a
manager of the project reaches them; for anyone else they do not exist (404), and a
denied attempt changes nothing: no row, no audit event."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from responsemap.accounts.actions import do_create_team, do_set_member_teams
from responsemap.accounts.models import Membership, Team, TeamMember, User
from responsemap.accounts.queries import viewer_for
from responsemap.projects.members_views import PAGE_SIZE
from responsemap.projects.models import Project
from responsemap.protection.models import AuditEvent
from responsemap.protection.viewer import Viewer

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]
DENIED = ["operator", "officer", "protection", "partner", "donor", "outsider", "sysadmin"]


def manager_viewer(personas: dict[str, User], project: Project) -> Viewer:
    viewer = viewer_for(personas["manager"], project.pk)
    assert viewer is not None
    return viewer


@pytest.fixture
def team(personas: dict[str, User], project: Project) -> Team:
    return do_create_team(
        project_id=project.pk, name="Water desk", actor=manager_viewer(personas, project)
    )


def membership(personas: dict[str, User], persona: str, project: Project) -> Membership:
    return Membership.objects.get(user=personas[persona], project=project)


def state(project: Project) -> tuple[Any, ...]:
    """Everything a members screen could change."""
    return (
        sorted(
            Membership.objects.filter(project=project).values_list(
                "user__username", "role__code", "is_active"
            )
        ),
        sorted(Team.objects.filter(project=project).values_list("name", flat=True)),
        TeamMember.objects.count(),
        User.objects.count(),
        AuditEvent.objects.count(),
    )


def screens(project: Project, personas: dict[str, User], team: Team) -> list[str]:
    donor = membership(personas, "donor", project).pk
    return [
        reverse("members:list", args=[project.slug]),
        reverse("members:add", args=[project.slug]),
        reverse("members:member", args=[project.slug, donor]),
        reverse("members:teams", args=[project.slug]),
        reverse("members:roles", args=[project.slug]),
    ]


def posts(
    project: Project, personas: dict[str, User], team: Team
) -> list[tuple[str, dict[str, Any]]]:
    donor = membership(personas, "donor", project).pk
    slug = project.slug
    return [
        (
            reverse("members:add", args=[slug]),
            {"form": "add", "add-identifier": "outsider", "add-role": "donor"},
        ),
        (
            reverse("members:add", args=[slug]),
            {
                "form": "invite",
                "invite-username": "newbie",
                "invite-email": "n@example.org",
                "invite-role": "officer",
            },
        ),
        (reverse("members:change_role", args=[slug, donor]), {"role": "manager"}),
        (reverse("members:set_active", args=[slug, donor]), {"active": "0"}),
        (reverse("members:set_teams", args=[slug, donor]), {"teams": [team.pk]}),
        (reverse("members:teams", args=[slug]), {"name": "New team"}),
        (reverse("members:rename_team", args=[slug, team.pk]), {"name": "Renamed"}),
        (reverse("members:delete_team", args=[slug, team.pk]), {}),
    ]


def test_a_manager_sees_every_screen(
    client_as: ClientFor, personas: dict[str, User], project: Project, team: Team
) -> None:
    client = client_as("manager")
    for url in screens(project, personas, team):
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'dir="rtl"' not in response.content.decode()


@pytest.mark.parametrize("persona", DENIED)
def test_anyone_else_gets_404_and_changes_nothing(
    client_as: ClientFor, personas: dict[str, User], project: Project, team: Team, persona: str
) -> None:
    client = client_as(persona)
    before = state(project)
    for url in screens(project, personas, team):
        assert client.get(url).status_code == 404, url
    for url, data in posts(project, personas, team):
        assert client.post(url, data).status_code == 404, url
    assert state(project) == before
    assert mail.outbox == []


def test_a_manager_of_another_project_gets_404(
    client_as: ClientFor, personas: dict[str, User], project: Project, other_project: Project
) -> None:
    """Its memberships and teams are not found through this project's addresses."""
    theirs = membership(personas, "outsider", other_project)
    client = client_as("manager")
    assert client.get(reverse("members:member", args=[project.slug, theirs.pk])).status_code == 404
    assert client.get(reverse("members:list", args=[other_project.slug])).status_code == 404


def test_the_list_searches_filters_and_pages(
    client_as: ClientFor,
    personas: dict[str, User],
    project: Project,
    team: Team,
    django_assert_num_queries: Any,
) -> None:
    manager = manager_viewer(personas, project)
    for n in range(PAGE_SIZE + 2):
        user = User.objects.create_user(f"staff{n:02d}", email=f"staff{n:02d}@example.org")
        Membership.objects.create(
            user=user, project=project, role=project.roles.get(code="operator")
        )
    do_set_member_teams(membership(personas, "officer", project), [team.pk], actor=manager)
    client = client_as("manager")
    url = reverse("members:list", args=[project.slug])
    first = client.get(url)
    assert first.context["pager"]["count"] == PAGE_SIZE + 2 + 6
    assert first.context["pager"]["num_pages"] == 2
    html = first.content.decode()
    assert 'class="pager"' in html
    assert "page=2" in html
    # One page of members: the session and the viewer (4), the filter form's teams and
    # roles, count, rows, their teams, and the frame's alert badge: a constant, whatever
    # the page holds.
    with django_assert_num_queries(10):
        client.get(url, {"page": "2"})
    found = client.get(url, {"q": "STAFF07"})
    assert [row["user"]["username"].value for row in found.context["rows"]] == ["staff07"]
    by_team = client.get(url, {"team": team.pk})
    assert [r["user"]["username"].value for r in by_team.context["rows"]] == ["officer"]
    assert by_team.context["rows"][0]["teams"] == ["Water desk"]
    by_role = client.get(url, {"role": "donor"})
    assert [r["user"]["username"].value for r in by_role.context["rows"]] == ["donor"]
    assert "Donor / government viewer" in by_role.content.decode()  # the role in words


def test_deactivated_members_are_listed_apart(
    client_as: ClientFor, personas: dict[str, User], project: Project
) -> None:
    client = client_as("manager")
    donor = membership(personas, "donor", project)
    client.post(reverse("members:set_active", args=[project.slug, donor.pk]), {"active": "0"})
    url = reverse("members:list", args=[project.slug])
    names = [r["user"]["username"].value for r in client.get(url).context["rows"]]
    assert "donor" not in names
    former = client.get(url, {"state": "inactive"}).context["rows"]
    assert [r["user"]["username"].value for r in former] == ["donor"]
    client.post(reverse("members:set_active", args=[project.slug, donor.pk]), {"active": "1"})
    donor.refresh_from_db()
    assert donor.is_active


def test_add_invite_change_role_and_teams_through_the_screens(
    client_as: ClientFor,
    personas: dict[str, User],
    project: Project,
    team: Team,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_as("manager")
    slug = project.slug
    added = client.post(
        reverse("members:add", args=[slug]),
        {"form": "add", "add-identifier": "outsider", "add-role": "donor"},
    )
    outsider = membership(personas, "outsider", project)
    assert added["Location"] == reverse("members:member", args=[slug, outsider.pk])
    assert outsider.role.code == "donor"
    with django_capture_on_commit_callbacks(execute=True):
        invited = client.post(
            reverse("members:add", args=[slug]),
            {
                "form": "invite",
                "invite-username": "rosette",
                "invite-email": "rosette@example.org",
                "invite-first_name": "Rosette",
                "invite-role": "officer",
            },
        )
    assert invited.status_code == 302
    new = Membership.objects.get(project=project, user__username="rosette")
    assert not new.user.has_usable_password()
    [invitation] = mail.outbox
    assert invitation.to == ["rosette@example.org"]
    assert "/accounts/password/reset/key/" in invitation.body
    client.post(reverse("members:change_role", args=[slug, new.pk]), {"role": "protection"})
    client.post(reverse("members:set_teams", args=[slug, new.pk]), {"teams": [team.pk]})
    new.refresh_from_db()
    assert new.role.code == "protection"
    assert list(new.teams.values_list("name", flat=True)) == ["Water desk"]
    page = client.get(reverse("members:member", args=[slug, new.pk])).content.decode()
    assert "Rosette" in page
    assert "Protection focal point" in page
    assert "Water desk" in page


def test_the_last_manager_is_told_in_words(
    client_as: ClientFor, personas: dict[str, User], project: Project
) -> None:
    client = client_as("manager")
    own = membership(personas, "manager", project)
    before = state(project)
    response = client.post(
        reverse("members:change_role", args=[project.slug, own.pk]),
        {"role": "officer"},
        follow=True,
    )
    assert "last manager" in response.content.decode()
    response = client.post(
        reverse("members:set_active", args=[project.slug, own.pk]), {"active": "0"}, follow=True
    )
    assert "last manager" in response.content.decode()
    assert state(project) == before


def test_a_role_not_of_the_project_is_refused(
    client_as: ClientFor, personas: dict[str, User], project: Project
) -> None:
    donor = membership(personas, "donor", project)
    before = state(project)
    client_as("manager").post(
        reverse("members:change_role", args=[project.slug, donor.pk]), {"role": "sysadmin"}
    )
    assert state(project) == before


def test_teams_created_renamed_deleted_on_screen(
    client_as: ClientFor, project: Project, team: Team
) -> None:
    client = client_as("manager")
    slug = project.slug
    client.post(reverse("members:teams", args=[slug]), {"name": "Health"})
    duplicate = client.post(reverse("members:teams", args=[slug]), {"name": "health"}, follow=True)
    assert "already has a team" in duplicate.content.decode()
    client.post(reverse("members:rename_team", args=[slug, team.pk]), {"name": "WASH"})
    health = Team.objects.get(project=project, name="Health")
    client.post(reverse("members:delete_team", args=[slug, health.pk]))
    assert list(Team.objects.filter(project=project).values_list("name", flat=True)) == ["WASH"]
    page = client.get(reverse("members:teams", args=[slug])).content.decode()
    assert "WASH" in page


def test_roles_in_words(client_as: ClientFor, project: Project) -> None:
    page = client_as("manager").get(reverse("members:roles", args=[project.slug])).content.decode()
    assert "Reveal a contact&#x27;s phone number and name" in page
    # The code only as a checkbox's value, never as text.
    assert page.count("reveal_contact") == page.count('value="reveal_contact"')


def test_a_role_edited_on_screen_keeps_what_the_manager_may_not_change(
    client_as: ClientFor, project: Project
) -> None:
    protection = project.roles.get(code="protection")
    client = client_as("manager")
    url = reverse("members:edit_role", args=[project.slug, protection.pk])
    # Unticking everything the form shows: the manager's own permissions go, the
    # protection permissions they don't hold (view_sensitive, the reveals) stay.
    client.post(url, {"permissions": ["view_feedback"]})
    protection.refresh_from_db()
    assert sorted(protection.permissions) == [
        "handle_subject_requests",
        "reveal_contact",
        "reveal_content",
        "view_exact_positions",
        "view_feedback",
        "view_sensitive",
    ]
    page = client.get(reverse("members:roles", args=[project.slug])).content.decode()
    assert "not yours to change" in page


@pytest.mark.parametrize("persona", DENIED)
def test_a_role_edit_by_anyone_else_is_404(
    client_as: ClientFor, project: Project, persona: str
) -> None:
    donor = project.roles.get(code="donor")
    before = AuditEvent.objects.count()
    url = reverse("members:edit_role", args=[project.slug, donor.pk])
    assert client_as(persona).post(url, {"permissions": ["view_feedback"]}).status_code == 404
    donor.refresh_from_db()
    assert donor.permissions == ["view_dashboards"]
    assert AuditEvent.objects.count() == before


def test_a_manager_who_steps_down_lands_outside_the_screens(
    client_as: ClientFor, personas: dict[str, User], project: Project
) -> None:
    client = client_as("manager")
    officer = membership(personas, "officer", project)
    client.post(
        reverse("members:change_role", args=[project.slug, officer.pk]), {"role": "manager"}
    )
    own = membership(personas, "manager", project)
    response = client.post(
        reverse("members:change_role", args=[project.slug, own.pk]), {"role": "officer"}
    )
    assert response["Location"] == reverse("home")
    assert client.get(reverse("members:list", args=[project.slug])).status_code == 404
