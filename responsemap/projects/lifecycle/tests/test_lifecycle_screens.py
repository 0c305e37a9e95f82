"""The lifecycle screens, the project creation screen and commands, for every persona:
the allowed see and do; the denied get a 404 (or a refusal in words) and nothing
changes: no row, no audit event. And what closing does at the doors: a Kannel message
gets the closure notice through sendsms and a success, the public form says the project
is closed."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from unittest.mock import patch
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.core.management import CommandError, call_command
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import translation

from responsemap.accounts.models import Membership, User
from responsemap.intake.channels.actions import do_create_channel
from responsemap.intake.channels.kannel.tests.case import SECRET, SENDSMS_URL, mo_request
from responsemap.intake.channels.queries import forget_channels
from responsemap.intake.contacts.actions import do_get_or_create_contact
from responsemap.intake.contacts.models import Contact
from responsemap.intake.messages import send
from responsemap.intake.messages.models import InboundMessage, OutboundMessage
from responsemap.intake.messages.send import do_queue_outbound
from responsemap.projects.actions import do_add_organisation_admin
from responsemap.projects.checklists.actions import complete_checklists
from responsemap.projects.checklists.models import ChecklistVersion
from responsemap.projects.checklists.questions import CHECKLISTS
from responsemap.projects.lifecycle.actions import do_close_project
from responsemap.projects.lifecycle.marks import mark_export
from responsemap.projects.models import Organisation, Project
from responsemap.protection.keyring import get_keyring
from responsemap.protection.models import AuditEvent

pytestmark = pytest.mark.django_db

EVERYONE = [
    "operator",
    "officer",
    "protection",
    "manager",
    "partner",
    "donor",
    "outsider",
    "sysadmin",
]
FIRST = CHECKLISTS[0]


def url(name: str, project: Project, *args: str) -> str:
    return reverse(f"lifecycle:{name}", args=[project.slug, *args])


def answers(value: str = "yes") -> dict[str, str]:
    return {f"answer-{q.code}": value for q in FIRST.questions}


@pytest.fixture
def designing(project: Project, personas: dict[str, User]) -> Project:
    """The project in design; its data controller is the protection focal point (a
    member who does not manage the project)."""
    Project.objects.filter(pk=project.pk).update(
        status=Project.Status.DESIGN, data_controller=personas["protection"]
    )
    project.refresh_from_db()
    return project


def counts(project: Project) -> tuple[int, int, str]:
    status = Project.objects.get(pk=project.pk).status
    return (
        ChecklistVersion.objects.filter(project=project).count(),
        AuditEvent.objects.filter(project_id=project.pk).count(),
        status,
    )


@pytest.mark.parametrize("persona", EVERYONE)
def test_who_sees_the_lifecycle_screens(
    designing: Project, client_as: Callable[[str], Client], persona: str
) -> None:
    allowed = persona in ("manager", "protection")  # its manager; its data controller
    client = client_as(persona)
    for address in (
        url("overview", designing),
        url("summary", designing),
        url("checklist", designing, FIRST.code),
    ):
        response = client.get(address)
        assert response.status_code == (200 if allowed else 404), (persona, address)
    if allowed:
        page = client.get(url("overview", designing)).content.decode()
        assert "Data-protection checklists" in page
        assert str(FIRST.title) in page
        assert "Testing" in page  # the purpose, under the header


@pytest.mark.parametrize("persona", EVERYONE)
def test_who_answers_a_checklist(
    designing: Project, client_as: Callable[[str], Client], persona: str
) -> None:
    before = counts(designing)
    response = client_as(persona).post(url("checklist", designing, FIRST.code), answers())
    if persona in ("manager", "protection"):
        assert response.status_code == 302
        row = ChecklistVersion.objects.get(project=designing, checklist=FIRST.code)
        assert row.version == 1
        assert set(row.answers.values()) == {"yes"}
        assert AuditEvent.objects.filter(project_id=designing.pk, action="checklist.save").exists()
    else:
        assert response.status_code == 404
        assert counts(designing) == before


def test_every_save_is_a_new_version_and_needs_approving_again(
    designing: Project, client_as: Callable[[str], Client]
) -> None:
    manager, controller = client_as("manager"), client_as("protection")
    manager.post(url("checklist", designing, FIRST.code), answers())
    controller.post(url("approve", designing, FIRST.code), {"version": "1"})
    first = ChecklistVersion.objects.get(project=designing, checklist=FIRST.code, version=1)
    assert first.approved_at is not None
    manager.post(url("checklist", designing, FIRST.code), answers("na"))
    second = ChecklistVersion.objects.get(project=designing, checklist=FIRST.code, version=2)
    assert second.approved_at is None
    first.refresh_from_db()
    assert first.answers == {q.code: "yes" for q in FIRST.questions}  # kept as approved


@pytest.mark.parametrize("persona", ["manager", "officer", "outsider", "sysadmin"])
def test_only_the_data_controller_approves(
    designing: Project, client_as: Callable[[str], Client], persona: str
) -> None:
    client_as("manager").post(url("checklist", designing, FIRST.code), answers())
    before = counts(designing)
    response = client_as(persona).post(url("approve", designing, FIRST.code), {"version": "1"})
    assert response.status_code in (302, 404)
    assert counts(designing) == before
    assert ChecklistVersion.objects.get(project=designing).approved_at is None


def test_an_incomplete_checklist_is_not_approved(
    designing: Project, client_as: Callable[[str], Client]
) -> None:
    client_as("manager").post(url("checklist", designing, FIRST.code), answers("no"))  # no notes
    controller = client_as("protection")
    before = counts(designing)
    response = controller.post(url("approve", designing, FIRST.code), {"version": "1"}, follow=True)
    assert "every question needs an answer" in response.content.decode()
    assert counts(designing) == before
    bad = controller.post(url("approve", designing, FIRST.code), {"version": "x"})
    assert bad.status_code == 302
    assert counts(designing) == before


@pytest.mark.parametrize("persona", EVERYONE)
def test_who_makes_the_project_active(
    designing: Project,
    personas: dict[str, User],
    client_as: Callable[[str], Client],
    persona: str,
) -> None:
    complete_checklists(designing, personas["protection"])
    before = counts(designing)
    response = client_as(persona).post(url("activate", designing))
    if persona == "protection":
        assert response.status_code == 302
        assert Project.objects.get(pk=designing.pk).status == Project.Status.ACTIVE
        event = AuditEvent.objects.get(project_id=designing.pk, action="project.activate")
        assert event.actor_label == "protection"
    else:
        assert response.status_code in (302, 404)  # a manager is told why; others 404
        assert counts(designing) == before


def test_activation_is_refused_until_every_checklist_is_approved(
    designing: Project, client_as: Callable[[str], Client]
) -> None:
    controller = client_as("protection")
    before = counts(designing)
    page = controller.post(url("activate", designing), follow=True).content.decode()
    assert "Not made active" in page
    assert counts(designing) == before


@pytest.mark.parametrize("persona", EVERYONE)
def test_who_closes_the_project(
    designing: Project, client_as: Callable[[str], Client], persona: str
) -> None:
    before = counts(designing)
    form = {"reason": "The response ended", "confirm": designing.slug}
    response = client_as(persona).post(url("close", designing), form)
    if persona == "protection":
        assert response.status_code == 302
        closed = Project.objects.get(pk=designing.pk)
        assert closed.status == Project.Status.CLOSED
        assert closed.closed_at is not None
    else:
        assert response.status_code in (302, 404)
        assert counts(designing) == before


def test_closing_asks_for_the_short_name_and_a_reason(
    designing: Project, client_as: Callable[[str], Client]
) -> None:
    controller = client_as("protection")
    before = counts(designing)
    for form in (
        {"reason": "ended", "confirm": "wrong"},
        {"reason": "", "confirm": designing.slug},
    ):
        assert controller.post(url("close", designing), form).status_code == 302
        assert counts(designing) == before


def test_an_organisation_admin_may_close_and_the_page_stays(
    designing: Project, personas: dict[str, User], client_as: Callable[[str], Client]
) -> None:
    do_add_organisation_admin(organisation=designing.organisation, user=personas["manager"])
    manager = client_as("manager")
    form = {"reason": "ended", "confirm": designing.slug}
    assert manager.post(url("close", designing), form).status_code == 302
    page = manager.get(url("overview", designing))
    assert page.status_code == 200  # a closed project keeps its lifecycle page
    assert "closure notice" in page.content.decode()
    # ...and is gone from every other screen.
    assert manager.get(reverse("members:list", args=[designing.slug])).status_code == 404


NEW = {
    "organisation": "",
    "name": "Cyclone response",
    "slug": "cyclone",
    "purpose": "Answer questions from people affected by the cyclone.",
    "country": "mz",
    "languages": "pt, en",
    "retention_days": "365",
    "sensitivity": "high",
    "controller": "protection",
    "controller_organisation": "Test org",
    "processors": "Telecom operator\nCall centre",
    "id_patterns": r"\d{13}",
    "review_interval_days": "90",
}


@pytest.mark.parametrize("persona", EVERYONE)
def test_who_creates_a_project(
    project: Project, client_as: Callable[[str], Client], persona: str
) -> None:
    form = NEW | {"organisation": str(project.organisation_id)}
    client = client_as(persona)
    projects = Project.objects.count()
    if persona == "sysadmin":  # a superuser administers every organisation
        assert client.get(reverse("new_project")).status_code == 200
        response = client.post(reverse("new_project"), form)
        assert response.status_code == 302, response.content.decode()
        created = Project.objects.get(slug="cyclone")
        assert created.status == Project.Status.DESIGN
        assert created.country == "MZ"
        assert created.languages == ["pt", "en"]
        assert created.sensitivity == "high"
        assert created.data_controller is not None
        assert created.data_controller.username == "protection"
        assert created.processors == ["Telecom operator", "Call centre"]
        assert created.id_patterns == [r"\d{13}"]
        assert get_keyring().keys(created.pk).current >= 1  # its own key exists
        assert AuditEvent.objects.filter(project_id=created.pk, action="project.create").exists()
        members = set(
            Membership.objects.filter(project=created).values_list("user__username", "role__code")
        )
        assert members == {("sysadmin", "manager"), ("protection", "manager")}
    else:
        assert client.get(reverse("new_project")).status_code == 404
        assert client.post(reverse("new_project"), form).status_code == 404
        assert Project.objects.count() == projects


def test_an_organisation_admin_creates_for_their_organisation_only(
    project: Project, personas: dict[str, User], client_as: Callable[[str], Client]
) -> None:
    elsewhere = Organisation.objects.create(name="Elsewhere", slug="elsewhere")
    do_add_organisation_admin(organisation=project.organisation, user=personas["officer"])
    client = client_as("officer")
    refused = client.post(reverse("new_project"), NEW | {"organisation": str(elsewhere.pk)})
    assert refused.status_code == 400
    assert not Project.objects.filter(slug="cyclone").exists()
    made = client.post(reverse("new_project"), NEW | {"organisation": str(project.organisation_id)})
    assert made.status_code == 302


def test_a_short_name_taken_in_the_same_moment_is_a_form_error(
    project: Project, client_as: Callable[[str], Client]
) -> None:
    """Two admins creating "cyclone" at once: the form's check passes for both, the
    database refuses the second, who gets the form back with a reason, not a 500."""
    form = NEW | {"organisation": str(project.organisation_id)}
    with patch(
        "responsemap.projects.creation.forms.ProjectCreationForm.clean_slug",
        lambda self: project.slug,  # the check saw it free
    ):
        response = client_as("sysadmin").post(reverse("new_project"), form)
    assert response.status_code == 400
    assert "Another project already has this short name." in response.content.decode()
    assert Project.objects.filter(slug=project.slug).count() == 1


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("slug", "alpha", "Another project already has this short name."),
        ("country", "H1", "Two letters"),
        ("languages", "fr, english!", "Not a language code"),
        ("controller", "nobody", "No active staff account"),
        ("id_patterns", "([0-9]", "not a valid regular expression"),
        ("id_patterns", "(\\d+)+$", "a repeated group repeats inside"),
        ("retention_days", "-1", ""),
    ],
)
def test_a_bad_field_is_named_and_nothing_is_created(
    project: Project, client_as: Callable[[str], Client], field: str, value: str, words: str
) -> None:
    form = NEW | {"organisation": str(project.organisation_id), field: value}
    projects = Project.objects.count()
    response = client_as("sysadmin").post(reverse("new_project"), form)
    assert response.status_code == 400
    assert words in response.content.decode()
    assert Project.objects.count() == projects


def test_create_and_close_from_the_command_line(
    project: Project, personas: dict[str, User]
) -> None:
    out = StringIO()
    call_command(
        "create_project",
        "--organisation=test-org",
        "--name=Drought",
        "--slug=drought",
        "--country=KE",
        "--languages=sw,en",
        "--purpose=Hear people affected by the drought.",
        "--controller=manager",
        "--processor=SMS operator",
        stdout=out,
    )
    created = Project.objects.get(slug="drought")
    assert created.status == Project.Status.DESIGN
    assert created.data_controller == personas["manager"]
    with pytest.raises(CommandError, match="Another project"):
        call_command(
            "create_project",
            "--organisation=test-org",
            "--name=Again",
            "--slug=drought",
            "--country=KE",
            "--languages=en",
            "--purpose=x",
            "--controller=manager",
        )
    call_command("close_project", "drought", "--approver=Operator on call", stdout=out)
    created.refresh_from_db()
    assert created.status == Project.Status.CLOSED
    assert AuditEvent.objects.filter(project_id=created.pk, action="project.close").count() == 1
    with pytest.raises(CommandError, match="already closed"):
        call_command("close_project", "drought", "--approver=Operator on call")
    with pytest.raises(CommandError, match="no project"):
        call_command("close_project", "nowhere", "--approver=Operator on call")


def test_the_public_form_of_a_closed_project_says_so(project: Project) -> None:
    assert Client().get(reverse("public:form", args=[project.slug])).status_code == 200
    do_close_project(project, actor=None, approver="Operator")
    response = Client().get(reverse("public:form", args=[project.slug]))
    assert response.status_code == 410
    with translation.override(response.headers["Content-Language"]):
        assert translation.gettext("This feedback form is closed") in response.content.decode()
    posted = Client().post(reverse("public:form", args=[project.slug]), {"content": "Hello"})
    assert posted.status_code == 410


@pytest.mark.django_db(transaction=True)
@responses.activate
def test_a_kannel_message_to_a_closed_project_gets_the_closure_notice(project: Project) -> None:
    forget_channels()
    responses.get(SENDSMS_URL, body="0: Accepted for delivery", status=202)
    channel = do_create_channel(
        project_id=project.pk,
        kind="kannel",
        name="Hotline",
        config={"sendsms_url": SENDSMS_URL},
        secrets={"secret": SECRET, "username": "responsemap", "password": "sendsms-password"},
    )
    do_close_project(project, actor=None, approver="Operator")
    request = mo_request("kannel-id-1", "+50937001122", b"Pa gen dlo")
    response = request.send(Client(), reverse("intake:receive", args=[channel.pk]))
    assert response.status_code == 200  # the gateway does not retry
    assert response.content == b""  # and sends nothing back itself
    assert (InboundMessage.objects.count(), Contact.objects.count()) == (0, 0)
    assert len(responses.calls) == 1
    sent = parse_qs(urlsplit(str(responses.calls[0].request.url)).query)
    assert sent["to"] == ["+50937001122"]
    assert "closed" in sent["text"][0] or "ferm" in sent["text"][0]  # French first
    assert AuditEvent.objects.filter(
        project_id=project.pk, action="message.closure_notice"
    ).exists()
    forged = mo_request("kannel-id-2", "+50937001122", b"x", secret="wrong")  # noqa: S106
    refused = forged.send(Client(), reverse("intake:receive", args=[channel.pk]))
    assert refused.status_code in (401, 403)
    assert len(responses.calls) == 1  # no notice for a forged request


def test_the_purpose_and_class_are_under_every_screens_header(
    project: Project, client_as: Callable[[str], Client]
) -> None:
    Project.objects.filter(pk=project.pk).update(sensitivity="high", purpose="Hear the camp")
    for persona, address in (
        ("officer", reverse("triage:inbox", args=[project.slug])),
        ("manager", reverse("members:list", args=[project.slug])),
        ("operator", reverse("triage:hotline", args=[project.slug])),
    ):
        page = client_as(persona).get(address).content.decode()
        assert 'class="project-mark"' in page, address
        assert "High sensitivity" in page
        assert "Hear the camp" in page


def test_the_checklist_review_reminder_shows_when_due(
    designing: Project, personas: dict[str, User], client_as: Callable[[str], Client]
) -> None:
    complete_checklists(designing, personas["protection"])
    designing.refresh_from_db()
    assert designing.review_due_on is not None  # the interval after the approvals
    reminder = "due for review"
    assert reminder not in client_as("manager").get(url("overview", designing)).content.decode()
    Project.objects.filter(pk=designing.pk).update(review_due_on="2000-01-01")
    assert reminder in client_as("manager").get(url("overview", designing)).content.decode()
    inbox = client_as("officer").get(reverse("triage:inbox", args=[designing.slug]))
    assert reminder not in inbox.content.decode()  # only for who answers for the data
    Project.objects.filter(pk=designing.pk).update(sensitivity_review_on="2000-01-01")
    page = client_as("protection").get(url("overview", designing)).content.decode()
    assert "sensitivity class is due for review" in page


def test_an_export_carries_the_class_and_purpose(project: Project) -> None:
    Project.objects.filter(pk=project.pk).update(sensitivity="high", purpose="Écouter — 援助")
    project.refresh_from_db()
    response = mark_export(HttpResponse("a,b\n", content_type="text/csv"), project)
    assert response["Data-Classification"] == "high"
    assert response["Data-Purpose"] == "%C3%89couter %E2%80%94 %E6%8F%B4%E5%8A%A9"


@responses.activate
def test_nothing_more_is_sent_once_closed(project: Project) -> None:
    responses.get(SENDSMS_URL, body="0: Accepted for delivery", status=202)
    channel = do_create_channel(
        project_id=project.pk,
        kind="kannel",
        name="Hotline",
        config={"sendsms_url": SENDSMS_URL},
        secrets={"secret": SECRET, "username": "responsemap", "password": "sendsms-password"},
    )
    contact, _ = do_get_or_create_contact(
        project_id=project.pk, country="HT", raw_phone="+50937001122"
    )
    with patch.object(send, "_enqueue_send"):  # the worker is run by hand below
        queued = do_queue_outbound(channel=channel, contact=contact, purpose="reply", text="Mèsi")
    do_close_project(project, actor=None, approver="Operator")
    send.send_outbound.call(str(queued.pk))
    assert not responses.calls
    # Not left "queued" for ever: it says why it was not sent.
    assert OutboundMessage.objects.get(pk=queued.pk).state == OutboundMessage.State.CLOSED


def test_an_organisation_administrator_is_granted_in_the_admin(
    project: Project, personas: dict[str, User], client_as: Callable[[str], Client]
) -> None:
    add = reverse("admin:projects_organisationadmin_add")
    form = {"organisation": str(project.organisation_id), "user": str(personas["officer"].pk)}
    response = client_as("sysadmin").post(add, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert AuditEvent.objects.filter(action="organisation.add_admin").count() == 1
    assert client_as("officer").get(reverse("new_project")).status_code == 200


AREAS = "Ouest | HT01\n  Port-au-Prince | HT0111\n  Léogâne\n\nSud > Les Cayes"


@pytest.mark.parametrize("persona", EVERYONE)
def test_areas_typed_as_a_list_at_creation(
    project: Project, client_as: Callable[[str], Client], persona: str
) -> None:
    from responsemap.geo.models import AdminArea

    form = NEW | {"organisation": str(project.organisation_id), "areas": AREAS}
    areas = AdminArea.objects.count()
    response = client_as(persona).post(reverse("new_project"), form)
    if persona != "sysadmin":
        assert response.status_code == 404
        assert AdminArea.objects.count() == areas
        return
    assert response.status_code == 302, response.content.decode()
    created = Project.objects.get(slug="cyclone")
    made = {
        (a.name, a.pcode, a.level, a.parent.name if a.parent else None, a.geometry)
        for a in AdminArea.objects.filter(project=created).select_related("parent")
    }
    assert made == {
        ("Ouest", "HT01", 1, None, None),
        ("Port-au-Prince", "HT0111", 2, "Ouest", None),
        ("Léogâne", "LIST-001", 2, "Ouest", None),
        ("Sud", "LIST-002", 1, None, None),
        ("Les Cayes", "LIST-003", 2, "Sud", None),
    }
    added = AuditEvent.objects.filter(project_id=created.pk, action="area.create").count()
    assert added == len(made)


def test_a_wrong_area_list_is_named_and_nothing_is_created(
    project: Project, client_as: Callable[[str], Client]
) -> None:
    from responsemap.geo.models import AdminArea

    form = NEW | {"organisation": str(project.organisation_id), "areas": "Ouest\n  Sud\nOuest"}
    projects, areas = Project.objects.count(), AdminArea.objects.count()
    response = client_as("sysadmin").post(reverse("new_project"), form)
    assert response.status_code == 400
    assert "Line 3: Ouest is listed twice under the same parent." in response.content.decode()
    assert (Project.objects.count(), AdminArea.objects.count()) == (projects, areas)


def test_the_data_controller_is_someone_of_the_organisation(
    project: Project, personas: dict[str, User], client_as: Callable[[str], Client]
) -> None:
    """A person of another organisation can't be named (and the answer is the one an
    unknown name gets, so the form confirms no account elsewhere)."""
    elsewhere = Organisation.objects.create(name="Elsewhere", slug="elsewhere")
    do_add_organisation_admin(organisation=elsewhere, user=personas["officer"])
    client = client_as("officer")
    form = NEW | {"organisation": str(elsewhere.pk), "controller": "protection"}
    refused = client.post(reverse("new_project"), form)
    assert refused.status_code == 400
    assert "No active staff account has this user name." in refused.content.decode()
    assert not Project.objects.filter(slug="cyclone").exists()
    made = client.post(reverse("new_project"), form | {"controller": "officer"})
    assert made.status_code == 302  # an admin of the organisation may be its controller
