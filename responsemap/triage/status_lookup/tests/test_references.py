"""A reference collision is retried where the record is born, on every path, and never
fails a batch; a duplicate message or import row is not a collision."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from responsemap.geo.models import AdminArea
from responsemap.imports.tests.kobo import GOOD, csv_bytes
from responsemap.imports.tests.test_flow import prepared_job, run
from responsemap.intake.channels.actions import do_create_channel
from responsemap.intake.channels.base import Inbound
from responsemap.intake.channels.queries import load_inbound_channel
from responsemap.intake.messages.models import InboundMessage
from responsemap.intake.messages.store import store_from_phone
from responsemap.intake.messages.sweep import sweep_batch
from responsemap.projects.models import Project
from responsemap.protection.models import AuditEvent
from responsemap.triage import models as triage_models
from responsemap.triage.actions import NewFeedback, do_create_feedback_batch
from responsemap.triage.models import Feedback
from responsemap.triage.status_lookup.references import MAX_TRIES, NoFreeReference
from responsemap.triage.status_lookup.tests.conftest import Force
from responsemap.triage.tests.test_public_form import form_data, form_url
from responsemap.triage.tests.test_views import call_form

pytestmark = pytest.mark.django_db
MakeFeedback = Callable[..., Feedback]
SENDER = "+50937001133"


def items(count: int) -> list[NewFeedback]:
    return [NewFeedback(source="sms", content=f"Dlo {n}") for n in range(count)]


def assert_unique(project: Project) -> None:
    codes = list(Feedback.objects.filter(project=project).values_list("reference", flat=True))
    assert len(codes) == len(set(codes))


def test_a_batch_meeting_a_taken_code_stores_every_record_with_a_fresh_one(
    project: Project, make_feedback: MakeFeedback, force_references: Force
) -> None:
    taken = make_feedback().reference
    force_references(taken)
    made = do_create_feedback_batch(project, items(3), None)
    assert len(made) == 3
    assert taken not in [record.reference for record in made]
    stored = {r.pk: r.reference for r in Feedback.objects.filter(pk__in=[m.pk for m in made])}
    assert stored == {record.pk: record.reference for record in made}  # the fresh code kept
    assert Feedback.objects.count() == 4
    assert AuditEvent.objects.filter(action="feedback.create").count() == 4
    assert_unique(project)


def test_two_records_of_one_batch_given_one_code_both_stored(
    project: Project, force_references: Force
) -> None:
    force_references("ACDE-FGHJ", "ACDE-FGHJ")
    made = do_create_feedback_batch(project, items(2), None)
    assert sorted(Feedback.objects.values_list("reference", flat=True)) == sorted(
        record.reference for record in made
    )
    assert "ACDE-FGHJ" in {record.reference for record in made}
    assert_unique(project)


def test_the_same_code_in_another_project_is_no_collision(
    project: Project, other_project: Project, make_feedback: MakeFeedback, force_references: Force
) -> None:
    taken = make_feedback(project=other_project).reference
    force_references(taken)
    (record,) = do_create_feedback_batch(project, items(1), None)
    assert record.reference == taken


def test_a_collision_costs_one_more_insert_and_none_costs_nothing_more(
    project: Project, make_feedback: MakeFeedback, force_references: Force
) -> None:
    taken = make_feedback().reference
    do_create_feedback_batch(project, items(3), None)  # warm
    with CaptureQueriesContext(connection) as plain:
        do_create_feedback_batch(project, items(3), None)
    force_references(taken)
    with CaptureQueriesContext(connection) as collided:
        do_create_feedback_batch(project, items(3), None)
    with CaptureQueriesContext(connection) as bigger:
        do_create_feedback_batch(project, items(6), None)
    assert len(bigger) == len(plain)  # one insert for the records, whatever the batch
    assert len(collided) == len(plain) + 1


def test_a_code_space_with_no_free_code_refuses_and_stores_nothing(
    project: Project, make_feedback: MakeFeedback, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken = make_feedback().reference
    calls: list[int] = []

    def always_taken() -> str:
        calls.append(1)
        return taken

    monkeypatch.setattr(triage_models, "new_reference", always_taken)
    with pytest.raises(NoFreeReference):
        do_create_feedback_batch(project, items(1), None)
    assert len(calls) == MAX_TRIES  # the first code, then one after each miss but the last
    assert Feedback.objects.count() == 1


def test_a_duplicate_import_row_is_not_renamed_as_a_collision(
    project: Project, make_feedback: MakeFeedback
) -> None:
    make_feedback(source="import", provider_message_id="row-7")
    with pytest.raises(IntegrityError):
        do_create_feedback_batch(
            project,
            [NewFeedback(source="import", content="again", provider_message_id="row-7")],
            None,
        )


def test_hotline_call_meeting_a_taken_code_is_saved(
    client_as: Callable[[str], Client],
    project: Project,
    make_feedback: MakeFeedback,
    force_references: Force,
) -> None:
    taken = make_feedback().reference
    force_references(taken)
    response = client_as("operator").post(
        reverse("triage:hotline", args=[project.slug]), call_form(), follow=True
    )
    assert response.status_code == 200
    record = Feedback.objects.get(source="hotline")
    assert record.reference != taken
    assert record.reference in response.content.decode()  # the code read to the caller
    assert_unique(project)


def test_public_form_message_meeting_a_taken_code_is_saved(
    project: Project, make_feedback: MakeFeedback, force_references: Force
) -> None:
    taken = make_feedback().reference
    force_references(taken)
    response = Client().post(form_url(project), form_data(project), follow=True)
    assert response.status_code == 200
    record = Feedback.objects.get(source="web")
    assert record.reference != taken
    assert record.reference in response.content.decode()  # the thanks page shows it
    assert_unique(project)


def test_a_sweep_meeting_taken_codes_makes_every_record(
    project: Project, make_feedback: MakeFeedback, force_references: Force
) -> None:
    taken = make_feedback().reference
    channel = do_create_channel(project_id=project.pk, kind="webhook", name="relay")
    loaded = load_inbound_channel(channel.pk)
    assert loaded is not None
    for n in range(3):
        store_from_phone(loaded, Inbound(f"m{n}", SENDER, f"Manje {n}"))
    force_references(taken, taken)
    assert sweep_batch() == 3
    assert set(InboundMessage.objects.values_list("state", flat=True)) == {"processed"}
    assert Feedback.objects.filter(inbound_message__isnull=False).count() == 3
    assert_unique(project)


def test_an_import_meeting_a_taken_code_imports_every_row(
    client_as: Callable[[str], Client],
    project: Project,
    area: AdminArea,  # the rows' area
    make_feedback: MakeFeedback,
    force_references: Force,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    taken = make_feedback().reference
    client = client_as("officer")
    job = prepared_job(client, project, csv_bytes(GOOD))
    force_references(taken)
    job = run(client, project, job, django_capture_on_commit_callbacks)
    assert Feedback.objects.filter(source="import").count() == job.total == 3
    assert_unique(project)
