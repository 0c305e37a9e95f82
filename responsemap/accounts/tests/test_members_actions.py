"""Issue 10, point 4: a manager's actions on members and teams (accounts/actions.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from responsemap.accounts.actions import (
    MembershipRefused,
    do_add_existing_member,
    do_add_team_member,
    do_change_role,
    do_create_team,
    do_deactivate_member,
    do_delete_team,
    do_invite_member,
    do_reactivate_member,
    do_rename_team,
    do_set_member_teams,
)
from responsemap.accounts.models import Membership, Team, TeamMember, User
from responsemap.accounts.queries import viewer_for
from responsemap.projects.models import Project
from responsemap.protection.audit import with_details
from responsemap.protection.models import AuditEvent
from responsemap.protection.viewer import Viewer

pytestmark = pytest.mark.django_db
NOT_MANAGERS = ["operator", "officer", "protection", "partner", "donor"]


def as_viewer(personas: dict[str, User], persona: str, project: Project) -> Viewer:
    viewer = viewer_for(personas[persona], project.pk)
    assert viewer is not None
    return viewer


def membership(personas: dict[str, User], persona: str, project: Project) -> Membership:
    return Membership.objects.select_related("role", "user").get(
        user=personas[persona], project=project
    )


def count_events() -> int:
    return AuditEvent.objects.count()


def test_the_last_manager_can_be_neither_demoted_nor_deactivated(
    personas: dict[str, User], project: Project
) -> None:
    manager = as_viewer(personas, "manager", project)
    own = membership(personas, "manager", project)
    before = count_events()
    with pytest.raises(MembershipRefused, match="last manager"):
        do_change_role(own, "officer", actor=manager)
    with pytest.raises(MembershipRefused, match="last manager"):
        do_deactivate_member(own, actor=manager)
    own.refresh_from_db()
    assert own.role.code == "manager"
    assert own.is_active
    assert count_events() == before


def test_with_a_second_manager_the_first_may_step_down(
    personas: dict[str, User], project: Project
) -> None:
    manager = as_viewer(personas, "manager", project)
    officer = membership(personas, "officer", project)
    assert do_change_role(officer, "manager", actor=manager)
    own = membership(personas, "manager", project)
    assert do_change_role(own, "officer", actor=manager)
    # Now the former officer is the only manager left.
    officer.refresh_from_db()
    new_manager = as_viewer(personas, "officer", project)
    with pytest.raises(MembershipRefused):
        do_deactivate_member(officer, actor=new_manager)
    [event] = with_details(
        AuditEvent.objects.filter(action="membership.change", object_id=str(own.pk))
    )
    assert event.fields == ["role"]
    assert event.reason.endswith("manager -> officer")


def test_only_the_projects_roles_may_be_given(personas: dict[str, User], project: Project) -> None:
    manager = as_viewer(personas, "manager", project)
    donor = membership(personas, "donor", project)
    before = count_events()
    with pytest.raises(MembershipRefused, match="no such role"):
        do_change_role(donor, "superuser", actor=manager)
    donor.refresh_from_db()
    assert donor.role.code == "donor"
    assert count_events() == before


@pytest.mark.parametrize("persona", [*NOT_MANAGERS, "outsider"])
def test_no_one_but_a_manager_of_the_project_may_act(
    personas: dict[str, User], project: Project, other_project: Project, persona: str
) -> None:
    where = other_project if persona == "outsider" else project
    actor = as_viewer(personas, persona, where)
    donor = membership(personas, "donor", project)
    team = do_create_team(
        project_id=project.pk, name="Field team", actor=manager_of(personas, project)
    )
    before = count_events()
    attempts: list[Callable[[], object]] = [
        lambda: do_change_role(donor, "officer", actor=actor),
        lambda: do_deactivate_member(donor, actor=actor),
        lambda: do_create_team(project_id=project.pk, name="Another", actor=actor),
        lambda: do_rename_team(team, "Renamed", actor=actor),
        lambda: do_delete_team(team, actor=actor),
        lambda: do_add_team_member(team, donor, actor=actor),
        lambda: do_add_existing_member(
            project_id=project.pk, identifier="outsider", role_code="donor", actor=actor
        ),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    donor.refresh_from_db()
    assert donor.role.code == "donor"
    assert donor.is_active
    assert list(Team.objects.filter(project=project).values_list("name", flat=True)) == [
        "Field team"
    ]
    assert not TeamMember.objects.exists()
    assert count_events() == before


def manager_of(personas: dict[str, User], project: Project) -> Viewer:
    return as_viewer(personas, "manager", project)


def test_add_an_existing_account_by_name_or_email(
    personas: dict[str, User], project: Project
) -> None:
    manager = manager_of(personas, project)
    personas["outsider"].email = "out.sider@example.org"
    personas["outsider"].save(update_fields=["email"])
    added = do_add_existing_member(
        project_id=project.pk, identifier="OUT.SIDER@example.org", role_code="donor", actor=manager
    )
    assert added.user == personas["outsider"]
    assert added.role.code == "donor"
    with pytest.raises(MembershipRefused, match="already a member"):
        do_add_existing_member(
            project_id=project.pk, identifier="outsider", role_code="donor", actor=manager
        )
    with pytest.raises(MembershipRefused, match="invite"):
        do_add_existing_member(
            project_id=project.pk, identifier="nobody-here", role_code="donor", actor=manager
        )


def test_invite_creates_an_account_without_password_and_mails_after_commit(
    personas: dict[str, User], project: Project, django_capture_on_commit_callbacks: object
) -> None:
    manager = manager_of(personas, project)
    sent: list[str] = []
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        invited = do_invite_member(
            project_id=project.pk,
            username="new.officer",
            email="new.officer@example.org",
            role_code="officer",
            actor=manager,
            send_invitation=lambda user: sent.append(user.username),
        )
    assert sent == ["new.officer"]
    assert not invited.user.has_usable_password()
    assert invited.role.code == "officer"
    assert invited.is_active
    assert AuditEvent.objects.filter(action="user.create", object_id=str(invited.user.pk)).exists()
    with pytest.raises(MembershipRefused, match="taken"):
        do_invite_member(
            project_id=project.pk,
            username="NEW.officer",
            email="other@example.org",
            role_code="officer",
            actor=manager,
        )
    assert mail.outbox == []  # the e-mail itself is the screen's (send_invitation)


def test_teams_created_renamed_joined_and_deleted(
    personas: dict[str, User], project: Project, make_feedback: object
) -> None:
    manager = manager_of(personas, project)
    team = do_create_team(project_id=project.pk, name="  Water   desk ", actor=manager)
    assert team.name == "Water desk"
    with pytest.raises(MembershipRefused, match="already has a team"):
        do_create_team(project_id=project.pk, name="water DESK", actor=manager)
    assert do_rename_team(team, "Water and sanitation", actor=manager)
    assert not do_rename_team(team, "Water and sanitation", actor=manager)
    officer = membership(personas, "officer", project)
    other = do_create_team(project_id=project.pk, name="Health", actor=manager)
    assert do_set_member_teams(officer, [team.pk, other.pk], actor=manager) == [
        "Water and sanitation",
        "Health",
    ]
    assert do_set_member_teams(officer, [other.pk], actor=manager) == ["Water and sanitation"]
    assert list(officer.teams.values_list("name", flat=True)) == ["Health"]
    record = make_feedback()  # type: ignore[operator]
    type(record).objects.filter(pk=record.pk).update(team=other)
    do_delete_team(other, actor=manager)
    record.refresh_from_db()
    assert record.team_id is None
    actions = list(
        AuditEvent.objects.filter(object_type="team")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [
        "team.create",
        "team.rename",
        "team.create",
        "team.add_member",
        "team.add_member",
        "team.remove_member",
        "team.delete",
    ]


def test_a_team_takes_only_active_members_of_its_project(
    personas: dict[str, User], project: Project, other_project: Project
) -> None:
    manager = manager_of(personas, project)
    team = do_create_team(project_id=project.pk, name="Field", actor=manager)
    outsider = membership(personas, "outsider", other_project)
    with pytest.raises(MembershipRefused):
        do_add_team_member(team, outsider, actor=manager)
    donor = membership(personas, "donor", project)
    do_deactivate_member(donor, actor=manager)
    with pytest.raises(MembershipRefused):
        do_add_team_member(team, donor, actor=manager)
    other_team = Team.objects.create(project=other_project, name="Theirs")
    with pytest.raises(MembershipRefused):
        do_set_member_teams(
            membership(personas, "officer", project), [other_team.pk], actor=manager
        )
    assert not TeamMember.objects.exists()
    assert do_reactivate_member(donor, actor=manager)


def test_a_manager_edits_a_role_only_within_their_own_permissions(
    personas: dict[str, User], project: Project
) -> None:
    from responsemap.accounts.actions import do_edit_role
    from responsemap.accounts.models import Role

    manager = manager_of(personas, project)
    donor_role = Role.objects.get(project=project, code="donor")
    assert do_edit_role(donor_role, ["view_dashboards", "view_feedback"], actor=manager)
    [event] = with_details(AuditEvent.objects.filter(action="role.set_permissions"))
    assert event.fields == ["permissions"]
    before = count_events()
    # view_sensitive and reveal_contact are not the manager's: neither given nor taken.
    with pytest.raises(MembershipRefused, match="your own role"):
        do_edit_role(donor_role, ["view_dashboards", "view_sensitive"], actor=manager)
    protection_role = Role.objects.get(project=project, code="protection")
    with pytest.raises(MembershipRefused, match="your own role"):
        do_edit_role(protection_role, ["view_feedback"], actor=manager)
    # Nor may the project lose its last manager role.
    manager_role = Role.objects.get(project=project, code="manager")
    with pytest.raises(MembershipRefused, match="no manager left"):
        do_edit_role(manager_role, ["view_feedback"], actor=manager)
    donor_role.refresh_from_db()
    assert sorted(donor_role.permissions) == ["view_dashboards", "view_feedback"]
    assert count_events() == before
