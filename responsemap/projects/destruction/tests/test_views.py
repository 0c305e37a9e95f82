"""The destruction screens against every persona: organisation and system admins see
and act; every project member, whatever the role, and outsiders get a 404 and change
nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from responsemap.lib import clock
from responsemap.projects.destruction.actions import Approval, do_destroy_project
from responsemap.projects.destruction.models import LegalHold
from responsemap.projects.models import Project
from responsemap.protection.models import AuditEvent

MEMBERS = ["operator", "officer", "protection", "manager", "partner", "donor", "outsider"]
ADMINS = ["orgadmin", "sysadmin"]


@pytest.fixture
def users(personas: dict[str, Any], org_admin: Any) -> dict[str, Any]:
    return {**personas, "orgadmin": org_admin}


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def hold_data(owner: Any, reason: str = "Inquiry by the ombudsman") -> dict[str, str]:
    until = clock.now().date() + timedelta(days=90)
    return {"reason": reason, "owner": str(owner.pk), "expires_on": until.isoformat()}


@pytest.mark.django_db
@pytest.mark.parametrize("who", MEMBERS + ADMINS)
def test_the_screens_by_persona(who: str, closed_project: Project, users: dict[str, Any]) -> None:
    client = client_for(users[who])
    urls = [
        reverse("destruction:projects"),
        reverse("destruction:project", args=[closed_project.slug]),
    ]
    events = AuditEvent.objects.count()
    posted = client.post(urls[1], hold_data(users["manager"]))
    for url in urls:
        page = client.get(url)
        assert page.status_code == (200 if who in ADMINS else 404), url
    if who in ADMINS:
        assert posted.status_code == 302
        hold = LegalHold.objects.get()
        assert hold.placed_by == users[who]
        text = client.get(urls[1]).content.decode()
        assert "Inquiry by the ombudsman" in text  # the sealed reason, opened for them
        assert "Project alpha" in client.get(urls[0]).content.decode()
    else:
        assert posted.status_code == 404
        assert not LegalHold.objects.exists()
        assert AuditEvent.objects.count() == events  # a denied attempt changes nothing


@pytest.mark.django_db
def test_an_admin_of_another_organisation_sees_nothing(
    closed_project: Project, users: dict[str, Any]
) -> None:
    from responsemap.accounts.models import User
    from responsemap.projects.actions import do_create_organisation
    from responsemap.projects.models import OrganisationAdmin

    other = do_create_organisation(name="Other org", slug="other-org")
    stranger = User.objects.create_user("stranger", password="persona-password-1")
    OrganisationAdmin.objects.create(organisation=other, user=stranger)
    client = client_for(stranger)
    assert client.get(reverse("destruction:projects")).status_code == 200
    assert "Project alpha" not in client.get(reverse("destruction:projects")).content.decode()
    page = client.get(reverse("destruction:project", args=[closed_project.slug]))
    assert page.status_code == 404


@pytest.mark.django_db
def test_bad_hold_input_is_a_form_error_not_a_500(
    closed_project: Project, users: dict[str, Any]
) -> None:
    client = client_for(users["orgadmin"])
    url = reverse("destruction:project", args=[closed_project.slug])
    past = {**hold_data(users["manager"]), "expires_on": "2001-01-01"}
    for data in (
        past,
        {**hold_data(users["manager"]), "reason": ""},
        {**hold_data(users["manager"]), "owner": "999999"},
        {**hold_data(users["manager"]), "expires_on": "not a date"},
        {},
    ):
        page = client.post(url, data)
        assert page.status_code == 400
    assert "The hold must end after today." in client.post(url, past).content.decode()
    assert not LegalHold.objects.exists()


@pytest.mark.django_db
def test_lifting_a_hold_by_persona(closed_project: Project, users: dict[str, Any]) -> None:
    admin = client_for(users["orgadmin"])
    url = reverse("destruction:project", args=[closed_project.slug])
    admin.post(url, hold_data(users["manager"]))
    hold = LegalHold.objects.get()
    lift = reverse("destruction:lift_hold", args=[closed_project.slug, hold.pk])
    for who in MEMBERS:
        assert client_for(users[who]).post(lift, {"reason": "done"}).status_code == 404
    hold.refresh_from_db()
    assert hold.lifted_at is None
    assert admin.post(lift, {"reason": ""}).status_code == 303
    assert admin.post(lift, {"reason": "Inquiry closed"}).status_code == 302
    hold.refresh_from_db()
    assert hold.lifted_by == users["orgadmin"]
    bogus = reverse("destruction:lift_hold", args=[closed_project.slug, "not-a-uuid"])
    assert admin.post(bogus, {"reason": "x"}).status_code == 404


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("who", MEMBERS + ADMINS)
def test_the_certificate_by_persona(
    who: str, closed_project: Project, users: dict[str, Any]
) -> None:
    url = reverse("destruction:certificate", args=[closed_project.slug])
    assert client_for(users["sysadmin"]).get(url).status_code == 404  # not destroyed yet
    do_destroy_project(closed_project, approval=Approval.OPERATOR, approved_by="Marie (DPO)")
    page = client_for(users[who]).get(url)
    if who in ADMINS:
        assert page.status_code == 200
        text = page.content.decode()
        assert "Marie (DPO)" in text
        assert str(closed_project.pk) in text
        assert "does not match its seal" not in text
    else:
        assert page.status_code == 404


def destroy_data(slug: str, reason: str = "The response ended; nothing is owed") -> dict[str, str]:
    return {"destroy-reason": reason, "destroy-confirm": slug}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("who", MEMBERS + ADMINS)
def test_destroying_on_the_screen_by_persona(
    who: str, closed_project: Project, users: dict[str, Any]
) -> None:
    from responsemap.projects.destruction.models import DestructionRun

    client = client_for(users[who])
    url = reverse("destruction:destroy", args=[closed_project.slug])
    events = AuditEvent.objects.count()
    if who in ADMINS:
        form = client.get(reverse("destruction:project", args=[closed_project.slug]))
        assert "Destroy the project" in form.content.decode()
    page = client.post(url, destroy_data(closed_project.slug))
    closed_project.refresh_from_db()
    if who not in ADMINS:
        assert page.status_code == 404
        assert closed_project.status == Project.Status.CLOSED
        assert not DestructionRun.objects.exists()
        assert AuditEvent.objects.count() == events  # a denied attempt changes nothing
        return
    assert page.status_code == 302
    assert closed_project.status == Project.Status.DESTROYED
    run = DestructionRun.objects.get()
    assert run.step == DestructionRun.Step.DONE  # the tests' backend runs the task at once
    assert run.approval == Approval.OPERATOR
    assert run.approved_by_id == users[who].pk
    assert users[who].get_username() in run.approved_by
    decided = AuditEvent.objects.get(chain="system", action="project.destroy")
    assert decided.actor_id == users[who].pk
    shown = client.get(reverse("destruction:project", args=[closed_project.slug]))
    assert reverse("destruction:certificate", args=[closed_project.slug]) in shown.content.decode()
    certificate = client.get(reverse("destruction:certificate", args=[closed_project.slug]))
    text = certificate.content.decode()
    assert str(closed_project.pk) in text
    assert run.chain_final_hash in text
    assert client.post(url, destroy_data(closed_project.slug)).status_code == 400  # done


@pytest.mark.django_db(transaction=True)
def test_destroying_needs_the_short_name_a_reason_and_no_hold(
    closed_project: Project, users: dict[str, Any]
) -> None:
    from responsemap.projects.destruction.models import DestructionRun

    client = client_for(users["orgadmin"])
    url = reverse("destruction:destroy", args=[closed_project.slug])
    for data in (
        destroy_data("wrong-slug"),
        destroy_data(closed_project.slug, reason=" "),
        {"destroy-confirm": closed_project.slug},
        {},
    ):
        assert client.post(url, data).status_code == 400
    wrong = client.post(url, destroy_data("wrong-slug")).content.decode()
    assert "This is not the project&#x27;s short name" in wrong
    assert client.get(url).status_code == 405
    client.post(
        reverse("destruction:project", args=[closed_project.slug]), hold_data(users["manager"])
    )
    held = client.post(url, destroy_data(closed_project.slug))
    assert held.status_code == 400
    assert "A legal hold stands until" in held.content.decode()
    closed_project.refresh_from_db()
    assert closed_project.status == Project.Status.CLOSED
    assert not DestructionRun.objects.exists()
    assert not AuditEvent.objects.filter(action="project.destroy").exists()


@pytest.mark.django_db(transaction=True)
def test_an_active_project_is_not_destroyed_from_the_screen(
    project: Project, users: dict[str, Any]
) -> None:
    client = client_for(users["sysadmin"])
    page = client.post(
        reverse("destruction:destroy", args=[project.slug]), destroy_data(project.slug)
    )
    assert page.status_code == 400
    assert "Only a closed project can be destroyed." in page.content.decode()
    project.refresh_from_db()
    assert project.status == Project.Status.ACTIVE
