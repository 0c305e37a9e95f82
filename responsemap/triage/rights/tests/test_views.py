"""The screens of data-subject requests, for every persona: the data-protection role
(protection focal point) may; every other role, an outsider and a superuser without a
membership get a 404 and nothing changes."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from responsemap.intake.contacts.models import Contact
from responsemap.projects.models import Project
from responsemap.protection.models import AuditEvent
from responsemap.protection.viewer import Viewer
from responsemap.triage.models import Feedback
from responsemap.triage.rights import actions
from responsemap.triage.rights.models import RequestStatus, SubjectRequest

from .conftest import NAME, PHONE, TEXT, TYPED_PHONE, Person

DENIED = ["operator", "officer", "manager", "partner", "donor", "outsider", "sysadmin"]
ClientAs = Callable[[str], Client]


def url(project: Project, name: str, **kwargs: object) -> str:
    return reverse(f"triage:{name}", kwargs={"slug": project.slug, **kwargs})


def _opened(as_viewer: Callable[[str], Viewer], person: Person, kind: str) -> SubjectRequest:
    return actions.do_open_subject_request(
        as_viewer("protection"), actions.NewRequest(kind=kind, contact=person.contact)
    )


def test_the_list_and_the_form_for_the_data_protection_role(
    client_as: ClientAs, project: Project, person: Person, as_viewer: Callable[[str], Viewer]
) -> None:
    _opened(as_viewer, person, "access")
    client = client_as("protection")
    page = client.get(url(project, "rights_list"))
    assert page.status_code == 200
    assert "See what is held" in page.content.decode()
    assert client.get(url(project, "rights_list") + "?status=open&kind=access").status_code == 200
    assert client.get(url(project, "rights_list") + "?status=nonsense").status_code == 200
    assert client.get(url(project, "rights_open")).status_code == 200


def test_opening_by_phone_stores_no_number(
    client_as: ClientAs, project: Project, person: Person
) -> None:
    response = client_as("protection").post(
        url(project, "rights_open"),
        {
            "kind": "access",
            "find_by": "phone",
            "phone": TYPED_PHONE,
            "received_on": "2026-11-02",
            "deadline_days": "30",
        },
    )
    assert response.status_code == 302
    request = SubjectRequest.objects.get()
    assert request.contact_id == person.contact.pk
    assert (request.due_at - request.received_at).days == 30
    event = AuditEvent.objects.get(action="subject_request.open")
    assert "3799" not in json.dumps([event.reason, event.fields, event.purpose])


def test_opening_by_reference(client_as: ClientAs, project: Project, person: Person) -> None:
    response = client_as("protection").post(
        url(project, "rights_open"),
        {
            "kind": "erase",
            "find_by": "reference",
            "reference": person.record.reference.lower(),
            "received_on": "2026-11-02",
            "deadline_days": "10",
        },
    )
    assert response.status_code == 302
    assert SubjectRequest.objects.get().reference == person.record.reference


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"find_by": "phone", "phone": "+50937000000"}, "No one of this project matches"),
        ({"find_by": "phone", "phone": "hello"}, "not a phone number"),
        ({"find_by": "reference", "reference": "ZZZZ-ZZZZ"}, "No one of this project matches"),
        ({"find_by": "phone", "phone": ""}, "Type the person"),
    ],
)
def test_bad_input_is_a_400_in_words(
    client_as: ClientAs, project: Project, person: Person, data: dict[str, str], reason: str
) -> None:
    form = {"kind": "access", "received_on": "2026-11-02", "deadline_days": "30", **data}
    response = client_as("protection").post(url(project, "rights_open"), form)
    assert response.status_code == 400
    assert reason in response.content.decode()
    assert not SubjectRequest.objects.exists()


def test_export_page_and_json(
    client_as: ClientAs, project: Project, person: Person, as_viewer: Callable[[str], Viewer]
) -> None:
    request = _opened(as_viewer, person, "access")
    client = client_as("protection")
    page = client.get(url(project, "rights_export", request_id=request.pk))
    assert page.status_code == 200
    body = page.content.decode()
    assert TEXT in body
    assert NAME in body
    download = client.get(url(project, "rights_export", request_id=request.pk) + "?format=json")
    assert download["Content-Disposition"].startswith("attachment")
    assert download["Data-Classification"] == project.sensitivity  # and the purpose
    assert download["Data-Purpose"]
    data = json.loads(download.content)
    assert PHONE in json.dumps(data, ensure_ascii=False)
    assert {s["key"] for s in data["sections"]} >= {"contact", "records", "audit", "referrals"}
    assert AuditEvent.objects.filter(action="subject_request.export").count() == 2


def test_erase_through_the_screen(
    client_as: ClientAs, project: Project, person: Person, as_viewer: Callable[[str], Viewer]
) -> None:
    request = _opened(as_viewer, person, "erase")
    client = client_as("protection")
    refused = client.post(url(project, "rights_erase", request_id=request.pk), {})
    assert refused.status_code == 400
    assert Contact.objects.filter(pk=person.contact.pk).exists()
    done = client.post(url(project, "rights_erase", request_id=request.pk), {"confirm": "on"})
    assert done.status_code == 302
    assert not Contact.objects.filter(pk=person.contact.pk).exists()
    assert Feedback.objects.get(pk=person.record.pk).erased_at is not None
    assert client.get(url(project, "rights_detail", request_id=request.pk)).status_code == 200
    assert client.get(url(project, "rights_export", request_id=request.pk)).status_code == 404


@pytest.mark.parametrize("persona", DENIED)
def test_every_other_persona_gets_404_and_changes_nothing(
    client_as: ClientAs,
    project: Project,
    person: Person,
    as_viewer: Callable[[str], Viewer],
    persona: str,
) -> None:
    request = _opened(as_viewer, person, "erase")
    events = AuditEvent.objects.count()
    client = client_as(persona)
    for name in ("rights_list", "rights_open"):
        assert client.get(url(project, name)).status_code == 404
    for name in ("rights_detail", "rights_export"):
        assert client.get(url(project, name, request_id=request.pk)).status_code == 404
    for name in ("rights_erase", "rights_withdraw", "rights_close", "rights_rectify"):
        response = client.post(
            url(project, name, request_id=request.pk),
            {"confirm": "on", "status": "done", "name": "X"},
        )
        assert response.status_code == 404
    opened = client.post(
        url(project, "rights_open"),
        {"kind": "access", "find_by": "phone", "phone": PHONE, "received_on": "2026-11-02"},
    )
    assert opened.status_code == 404
    assert SubjectRequest.objects.get().status == RequestStatus.OPEN
    assert SubjectRequest.objects.count() == 1
    assert Contact.objects.filter(pk=person.contact.pk, consent_withdrawn_at=None).exists()
    assert AuditEvent.objects.count() == events


def test_the_record_page_says_erased_on_request(
    client_as: ClientAs, project: Project, person: Person, as_viewer: Callable[[str], Viewer]
) -> None:
    request = _opened(as_viewer, person, "erase")
    actions.do_erase_subject(as_viewer("protection"), request.pk)
    page = client_as("officer").get(
        reverse("triage:detail", kwargs={"slug": project.slug, "feedback_id": person.record.pk})
    )
    assert page.status_code == 200
    body = page.content.decode()
    assert "Erased on request" in body
    assert "dlo a koupe" not in body.lower()
