"""The public status page: the stage (and day received) for a code, nothing else; the
same answer for a code nobody holds; rate-limited per client and per project."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from responsemap.geo.models import AdminArea
from responsemap.lib.clock import FakeClock
from responsemap.projects.models import Project
from responsemap.protection.models import AuditEvent
from responsemap.triage.choices import Sensitivity, Status
from responsemap.triage.models import Feedback
from responsemap.triage.status_lookup.models import StatusLookupThrottle

pytestmark = pytest.mark.django_db
MakeFeedback = Callable[..., Feedback]
SECRET_TEXT = "Madame Zéphyrine at block QX7 says the latrine is broken"


def status_url(project: Project, lang: str = "en") -> str:
    return reverse("public:status", args=[project.slug]) + f"?lang={lang}"


def ask(
    project: Project, code: str, client: Client | None = None, address: str = "10.0.0.1"
) -> Any:
    return (client or Client()).post(status_url(project), {"code": code}, REMOTE_ADDR=address)


def set_status(record: Feedback, status: str, sensitivity: str = Sensitivity.NORMAL) -> None:
    Feedback.objects.filter(pk=record.pk).update(status=status, sensitivity=sensitivity)


def test_the_page_asks_for_a_code_without_data(project: Project) -> None:
    response = Client().get(status_url(project))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="code"' in body
    assert 'id="answer"' not in body
    assert response["Cache-Control"].startswith("max-age=0")
    assert response["Referrer-Policy"] == "same-origin"


def test_a_project_not_active_has_no_status_page(project: Project) -> None:
    Project.objects.filter(pk=project.pk).update(status=Project.Status.DESIGN)
    assert Client().get(status_url(project)).status_code == 404


STAGES = {
    Status.NEW: "Received",
    Status.TRIAGED: "Received",
    Status.ASSIGNED: "Being looked at",
    Status.IN_PROGRESS: "Being looked at",
    Status.REFERRED: "Referred to another organisation",
    Status.ANSWERED: "Answered",
    Status.CLOSED: "Closed",
}


@pytest.mark.parametrize(("status", "words"), list(STAGES.items()))
def test_every_status_reads_as_its_public_stage_and_nothing_else(
    project: Project, area: AdminArea, make_feedback: MakeFeedback, status: str, words: str
) -> None:
    record = make_feedback(SECRET_TEXT, area=area, type_code="complaint", sector="wash")
    set_status(record, status)
    response = ask(project, record.reference)
    assert response.status_code == 200
    body = response.content.decode()
    assert f'<strong id="stage">{words}</strong>' in body
    assert record.reference in body
    assert "Received on" in body  # the day received, and no other date
    for hidden in ("Zéphyrine", "latrine", area.name, "Complaint", "Water, sanitation"):
        assert hidden not in body, hidden


@pytest.mark.parametrize("typed", ["{code}", "{lower}", "{bare}", " {lower_bare} ", "{spaced}"])
def test_a_code_is_found_however_it_is_typed(
    project: Project, make_feedback: MakeFeedback, typed: str
) -> None:
    code = make_feedback().reference
    text = typed.format(
        code=code,
        lower=code.lower(),
        bare=code.replace("-", ""),
        lower_bare=code.replace("-", "").lower(),
        spaced=code.replace("-", " "),
    )
    assert 'id="stage"' in ask(project, text).content.decode()


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (Status.NEW, "Received"),
        (Status.IN_PROGRESS, "Being looked at"),
        (Status.REFERRED, "Being looked at"),
        (Status.ANSWERED, "Being looked at"),
        (Status.CLOSED, "Closed"),
    ],
)
def test_a_protection_case_shows_its_stage_only(
    project: Project, make_feedback: MakeFeedback, status: str, words: str
) -> None:
    record = make_feedback(SECRET_TEXT, type_code="protection")
    assert record.sensitivity == Sensitivity.SENSITIVE
    set_status(record, status, Sensitivity.SENSITIVE)
    body = ask(project, record.reference).content.decode()
    assert f'<strong id="stage">{words}</strong>' in body
    assert "Received on" not in body
    assert "Referred" not in body
    assert "Answered" not in body
    assert "Zéphyrine" not in body


def neutral(body: str) -> bool:
    return "No message found with this code" in body and 'id="stage"' not in body


def test_a_wrong_code_gets_the_same_answer_and_costs_the_same_queries(
    project: Project, other_project: Project, make_feedback: MakeFeedback
) -> None:
    right = make_feedback().reference
    elsewhere = make_feedback(project=other_project).reference
    client = Client()
    ask(project, right, client)  # warm: sessions, the project's throttle rows
    with CaptureQueriesContext(connection) as found:
        first = ask(project, right, client)
    counts = {}
    for code in ("ACDE-FGHJ", elsewhere, "hello", "", "ZZZZ-ZZZZ", "D4EN ACC6 " * 4):
        with CaptureQueriesContext(connection) as missed:
            response = ask(project, code, client)
        counts[code[:20]] = len(missed)
        assert response.status_code == (200 if code else 400)  # no code: a client error
        if code:
            assert neutral(response.content.decode()), code
    assert first.status_code == 200
    assert not neutral(first.content.decode())
    # A well-formed or not, held elsewhere or nowhere: the same queries as a right code
    # (an empty form is refused before any lookup or count).
    assert {n for code, n in counts.items() if code} == {len(found)}


def test_a_lookup_writes_nothing_but_its_counters(
    project: Project, make_feedback: MakeFeedback
) -> None:
    record = make_feedback()
    events = AuditEvent.objects.count()
    before = Feedback.objects.filter(pk=record.pk).values().get()
    ask(project, record.reference)
    ask(project, "ACDE-FGHJ")
    assert AuditEvent.objects.count() == events
    assert Feedback.objects.filter(pk=record.pk).values().get() == before
    keys = list(StatusLookupThrottle.objects.values_list("key", flat=True))
    assert len(keys) == 2  # this client, this project
    assert not any("10.0.0.1" in key for key in keys)


def test_a_code_in_the_address_is_not_looked_up(
    project: Project, make_feedback: MakeFeedback
) -> None:
    code = make_feedback().reference
    response = Client().get(status_url(project) + f"&code={code}")
    assert 'id="stage"' not in response.content.decode()


def test_a_client_is_limited_per_window(
    project: Project, make_feedback: MakeFeedback, clock: FakeClock, settings: Any
) -> None:
    settings.RESPONSEMAP_STATUS_RATE_LIMIT = 3
    code = make_feedback().reference
    for _ in range(3):
        assert ask(project, "ACDE-FGHJ").status_code == 200
    refused = ask(project, code)
    assert refused.status_code == 429
    assert 'id="stage"' not in refused.content.decode()
    assert "wait ten minutes" in refused.content.decode()
    assert ask(project, code, address="10.0.0.2").status_code == 200  # another client
    assert ask(project, code, address="2001:db8::1").status_code == 200
    assert ask(project, code, address="2001:db8::2").status_code == 200  # same /64
    assert ask(project, code, address="2001:db8::3").status_code == 200
    assert ask(project, code, address="2001:db8::4").status_code == 429
    clock.advance(601)
    assert 'id="stage"' in ask(project, code).content.decode()  # a new window


def test_a_project_is_limited_whatever_the_clients(
    project: Project, other_project: Project, make_feedback: MakeFeedback, settings: Any
) -> None:
    settings.RESPONSEMAP_STATUS_PROJECT_RATE_LIMIT = 5
    code = make_feedback().reference
    for n in range(5):
        assert ask(project, "ACDE-FGHJ", address=f"10.1.0.{n}").status_code == 200
    assert ask(project, code, address="10.2.0.1").status_code == 429
    assert ask(other_project, "ACDE-FGHJ", address="10.2.0.1").status_code == 200


@pytest.mark.parametrize(
    "persona", ["operator", "officer", "protection", "manager", "partner", "donor", "outsider"]
)
def test_signed_in_people_see_what_anyone_sees(
    project: Project,
    make_feedback: MakeFeedback,
    client_as: Callable[[str], Client],
    persona: str,
) -> None:
    record = make_feedback(SECRET_TEXT, type_code="protection")
    body = ask(project, record.reference, client_as(persona)).content.decode()
    assert '<strong id="stage">Received</strong>' in body
    assert "Zéphyrine" not in body
    assert "Received on" not in body
