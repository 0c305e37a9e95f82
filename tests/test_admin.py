"""The Django admin shows setup, never what people said or who they are, and saves only
through audited actions (``protection/admin.py``).

A marker string is planted in every place a person's words or identity can sit (the
sealed text, the redacted copy, the phone number, a channel's secrets, an import file,
an outbound message, a task's traceback); no admin page may show it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib import admin
from django.db.models import Model
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from responsemap.accounts.models import Membership, Role, User
from responsemap.geo.models import AdminArea
from responsemap.imports.actions import do_create_import_job
from responsemap.imports.models import ImportJob
from responsemap.intake.channels.actions import do_create_channel
from responsemap.intake.contacts.models import ConsentRecord, Contact
from responsemap.intake.messages.models import InboundMessage, OutboundMessage
from responsemap.intake.messages.send import do_queue_outbound
from responsemap.projects.models import Organisation, OrganisationAdmin, Project
from responsemap.protection.audit import with_details
from responsemap.protection.models import AuditChainHead, AuditEvent, AuditListing, AuditPending
from responsemap.protection.viewer import Viewer
from responsemap.triage.models import CallDetails, Feedback, PublicFormThrottle

pytestmark = pytest.mark.django_db

MARKER = "Zorblax-7731"  # an invented word no page would show by chance
PHONE = "+50937001122"

# Records that hold what people said or who they are: never in the admin.
PEOPLES_RECORDS: list[type[Model]] = [
    Feedback,
    CallDetails,
    Contact,
    ConsentRecord,
    InboundMessage,
    OutboundMessage,
    ImportJob,
    AuditEvent,
    AuditPending,
    AuditChainHead,
    AuditListing,
    PublicFormThrottle,
]
# The only admins with an add form; each stores through an action.
ADDABLE = {Organisation, OrganisationAdmin, Membership, User}


def list_url(model: type[Model]) -> str:
    """The changelist address, whether or not the model is registered."""
    return f"/admin/{model._meta.app_label}/{model._meta.model_name}/"


def url(model: type[Model], view: str, *args: object) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def planted(
    project: Project,
    personas: dict[str, User],
    area: AdminArea,
    make_feedback: Callable[..., Feedback],
) -> Feedback:
    """Every kind of record, each holding the marker where a person's data would be."""
    record = make_feedback(f"{MARKER} wrote this", phone=PHONE, consent_given=True)
    record.redacted_content = f"{MARKER} [PHONE]"  # sealed at save
    record.save(update_fields=["redacted_content"])
    channel = do_create_channel(
        project_id=project.pk, kind="webhook", name="relay", secrets={"secret": MARKER}
    )
    assert record.contact is not None
    do_queue_outbound(channel=channel, contact=record.contact, purpose="reply", text=MARKER)
    manager = Viewer(
        personas["manager"].pk, "manager", "manager", project.pk, frozenset(["manage_project"])
    )
    do_create_import_job(
        project=project,
        file_name="people.csv",
        data=f"message,phone\n{MARKER},{PHONE}\n".encode(),
        actor=manager,
    )
    DBTaskResult.objects.create(
        task_path="responsemap.triage.tasks.redact_feedback",
        args_kwargs={"args": [MARKER], "kwargs": {}},
        backend_name="default",
        queue_name="default",
        run_after=timezone.now(),
        status="FAILED",
        exception_class_path="builtins.ValueError",
        traceback=f"ValueError: {MARKER}",
    )
    return record


def test_records_of_people_are_not_in_the_admin() -> None:
    registered = set(admin.site._registry)
    assert not registered & set(PEOPLES_RECORDS)


def test_no_admin_page_shows_record_content(
    planted: Feedback, client_as: Callable[[str], Client]
) -> None:
    client = client_as("sysadmin")
    pages = [list_url(model) for model in PEOPLES_RECORDS]
    pages += [f"/admin/triage/feedback/{planted.pk}/change/"]
    for model in admin.site._registry:
        pages.append(url(model, "changelist"))
        pages.append(url(model, "add"))
        for (pk,) in model._default_manager.values_list("pk")[:3]:
            pages += [url(model, "change", pk), url(model, "history", pk)]
    assert len(pages) > 20
    for page in pages:
        response = client.get(page)
        assert response.status_code in (200, 302, 403, 404), page
        body = response.content.decode()
        assert MARKER not in body, page
        assert "37001122" not in body, page


def test_people_records_answer_404_in_the_admin(
    planted: Feedback, client_as: Callable[[str], Client]
) -> None:
    client = client_as("sysadmin")
    for model in PEOPLES_RECORDS:
        assert client.get(list_url(model)).status_code == 404, model


def test_no_deletes_and_adds_only_through_actions(personas: dict[str, User]) -> None:
    request = RequestFactory().get("/admin/")
    request.user = personas["sysadmin"]
    for model, model_admin in admin.site._registry.items():
        assert not model_admin.has_delete_permission(request), model
        assert "delete_selected" not in model_admin.get_actions(request), model
        assert model_admin.has_add_permission(request) == (model in ADDABLE), model


def test_delete_pages_are_refused(
    project: Project, personas: dict[str, User], client_as: Callable[[str], Client]
) -> None:
    client = client_as("sysadmin")
    membership = Membership.objects.filter(project=project).first()
    assert membership is not None
    for model, pk in [(Project, project.pk), (Membership, membership.pk)]:
        assert client.post(url(model, "delete", pk), {"post": "yes"}).status_code == 403
    assert Project.objects.filter(pk=project.pk).exists()
    assert Membership.objects.filter(pk=membership.pk).exists()


def new_events(after: int) -> list[AuditEvent]:
    return with_details(AuditEvent.objects.filter(pk__gt=after).order_by("pk"))


def last_event_id() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def project_form(project: Project, **changes: Any) -> dict[str, Any]:
    data = {
        "name": project.name,
        "country": project.country,
        "languages": '["fr", "en"]',
        "purpose": project.purpose,
        "retention_days": project.retention_days,
        "_save": "Save",
    }
    return {**data, **changes}


def test_project_settings_save_writes_one_event_naming_the_fields(
    project: Project, personas: dict[str, User], client_as: Callable[[str], Client]
) -> None:
    client = client_as("sysadmin")
    before = last_event_id()
    form = project_form(project, name="Renamed", retention_days=365, status="destroyed")
    response = client.post(url(Project, "change", project.pk), form)
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.name, project.retention_days) == ("Renamed", 365)
    assert project.status == Project.Status.ACTIVE  # no route to "destroyed" here
    [event] = new_events(before)
    assert event.action == "project.update_settings"
    assert event.fields == ["name", "retention_days"]
    assert event.actor_id == personas["sysadmin"].pk
    assert event.role == "sysadmin"
    assert event.project_id == project.pk


def test_unchanged_save_writes_nothing(
    project: Project, client_as: Callable[[str], Client]
) -> None:
    client = client_as("sysadmin")
    before = last_event_id()
    assert client.post(url(Project, "change", project.pk), project_form(project)).status_code == 302
    assert new_events(before) == []


def test_role_permissions_save_through_the_action(
    project: Project, personas: dict[str, User], client_as: Callable[[str], Client]
) -> None:
    role = Role.objects.get(project=project, code="donor")
    client = client_as("sysadmin")
    before = last_event_id()
    data = {"permissions": ["view_dashboards", "view_audit"], "_save": "Save"}
    assert client.post(url(Role, "change", role.pk), data).status_code == 302
    role.refresh_from_db()
    assert sorted(role.permissions) == ["view_audit", "view_dashboards"]
    [event] = new_events(before)
    assert (event.action, event.fields) == ("role.set_permissions", ["permissions"])
    assert event.actor_id == personas["sysadmin"].pk
    # A permission that does not exist is refused by the form; nothing written.
    data = {"permissions": ["reveal_everything"], "_save": "Save"}
    assert client.post(url(Role, "change", role.pk), data).status_code == 200
    assert len(new_events(before)) == 1


def test_membership_add_change_role_deactivate(
    project: Project,
    other_project: Project,
    personas: dict[str, User],
    client_as: Callable[[str], Client],
) -> None:
    client = client_as("sysadmin")
    newcomer = User.objects.create_user("newcomer")
    officer = Role.objects.get(project=project, code="officer")
    manager = Role.objects.get(project=project, code="manager")
    before = last_event_id()

    # A role of another project is refused.
    foreign = Role.objects.get(project=other_project, code="officer")
    added = {"user": newcomer.pk, "project": project.pk, "role": foreign.pk, "_save": "Save"}
    assert client.post(url(Membership, "add"), added).status_code == 200
    assert not Membership.objects.filter(user=newcomer).exists()

    added["role"] = officer.pk
    assert client.post(url(Membership, "add"), added).status_code == 302
    membership = Membership.objects.get(user=newcomer, project=project)
    [granted] = new_events(before)
    assert granted.action == "membership.grant"
    assert granted.actor_id == personas["sysadmin"].pk

    before = last_event_id()
    changed = {"role": manager.pk, "is_active": "on", "_save": "Save"}
    assert client.post(url(Membership, "change", membership.pk), changed).status_code == 302
    [event] = new_events(before)
    assert (event.action, event.fields) == ("membership.change", ["role"])

    before = last_event_id()
    deactivated = {"role": manager.pk, "_save": "Save"}  # the box unticked
    assert client.post(url(Membership, "change", membership.pk), deactivated).status_code == 302
    membership.refresh_from_db()
    assert (membership.role, membership.is_active) == (manager, False)
    [event] = new_events(before)
    assert (event.action, event.fields) == ("membership.change", ["is_active"])


def test_organisation_add_through_the_action(
    personas: dict[str, User], client_as: Callable[[str], Client]
) -> None:
    client = client_as("sysadmin")
    before = last_event_id()
    data = {"name": "Invented Aid", "slug": "invented-aid", "_save": "Save"}
    assert client.post(url(Organisation, "add"), data).status_code == 302
    assert Organisation.objects.filter(slug="invented-aid").exists()
    [event] = new_events(before)
    assert (event.action, event.project_id, event.actor_id) == (
        "organisation.create",
        None,
        personas["sysadmin"].pk,
    )


def test_staff_account_changes_are_audited(
    personas: dict[str, User], client_as: Callable[[str], Client]
) -> None:
    client = client_as("sysadmin")
    donor = personas["donor"]
    before = last_event_id()
    data = {
        "username": donor.username,
        "first_name": "",
        "last_name": "",
        "email": "donor@example.org",
        "is_active": "on",
        "is_staff": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "_save": "Save",
    }
    assert client.post(url(User, "change", donor.pk), data).status_code == 302
    donor.refresh_from_db()
    assert (donor.email, donor.is_staff) == ("donor@example.org", True)
    [event] = new_events(before)
    assert (event.action, event.fields) == ("user.update", ["email", "is_staff"])
    assert event.actor_id == personas["sysadmin"].pk
    # Passwords are not set in the admin.
    assert client.get(f"/admin/accounts/user/{donor.pk}/password/").status_code == 403


def test_staff_account_add_is_audited(
    personas: dict[str, User], client_as: Callable[[str], Client]
) -> None:
    client = client_as("sysadmin")
    before = last_event_id()
    data = {
        "username": "newstaff",
        "usable_password": "true",
        "password1": "a-long-invented-pass-42",
        "password2": "a-long-invented-pass-42",
        "_save": "Save",
    }
    assert client.post(url(User, "add"), data).status_code == 302
    user = User.objects.get(username="newstaff")
    assert user.check_password("a-long-invented-pass-42")
    [event] = new_events(before)
    assert (event.action, event.fields) == ("user.create", ["password", "username"])
