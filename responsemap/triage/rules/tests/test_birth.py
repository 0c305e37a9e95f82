"""Rules at birth, on every path a record is born through: urgency raised, a protection
match raised to sensitive "to confirm", the due time set; the batch's queries fixed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from responsemap.geo.models import AdminArea
from responsemap.intake.channels.actions import do_create_channel
from responsemap.intake.channels.base import Inbound
from responsemap.intake.channels.queries import load_inbound_channel
from responsemap.intake.contacts.actions import do_get_or_create_contact
from responsemap.intake.messages.store import store_from_phone
from responsemap.intake.messages.sweep import sweep_batch
from responsemap.projects.models import Project
from responsemap.protection.models import AuditEvent
from responsemap.protection.viewer import Viewer
from responsemap.triage.actions import NewFeedback, do_create_feedback, do_create_feedback_batch
from responsemap.triage.alerts.models import AlertPolicy
from responsemap.triage.alerts.queries import overdue_q
from responsemap.triage.alerts.targets import due_at_for
from responsemap.triage.models import Feedback
from responsemap.triage.rules.actions import RuleData, do_save_rule
from responsemap.triage.tests.test_public_form import form_data, form_url

pytestmark = pytest.mark.django_db
SENDER = "+50937001199"
ABUSE = "Yon gadyen te BAT MWEN devan pòt la"  # Creole: "beat me"


def manager(project: Project) -> Viewer:
    return Viewer(1, "m", "manager", project.pk, frozenset({"manage_project"}))


def raised(record: Feedback) -> bool:
    return (record.sensitivity, record.sensitivity_review, record.urgency) == (
        "sensitive",
        "to_confirm",
        "critical",
    )


@pytest.mark.parametrize("source", ["hotline", "import", "web", "sms", "whatsapp"])
def test_a_protection_word_raises_the_record_on_every_source(project: Project, source: str) -> None:
    record = do_create_feedback(project, NewFeedback(source=source, content=ABUSE), None)
    stored = Feedback.objects.get(pk=record.pk)
    assert raised(stored)
    event = AuditEvent.objects.get(action="feedback.raise_sensitivity")
    assert (event.object_id, event.actor_label, event.purpose) == (str(record.pk), "system", "rule")


@pytest.mark.parametrize(
    "text",
    [
        "هدّدني جاري بالسكين أمام المدرسة",  # "threatened me", "with the knife"
        "Me amenazó con un CUCHILLO",
        "Li te FÈ M MAL lè m t ap pran dlo",
    ],
)
def test_words_in_other_languages_raise_it(project: Project, text: str) -> None:
    assert raised(do_create_feedback(project, NewFeedback(source="sms", content=text), None))


def test_an_sms_through_the_worker_is_raised(project: Project) -> None:
    do_get_or_create_contact(project_id=project.pk, country="HT", raw_phone=SENDER)
    channel = do_create_channel(project_id=project.pk, kind="webhook", name="relay")
    loaded = load_inbound_channel(channel.pk)
    assert loaded is not None
    store_from_phone(loaded, Inbound("m1", SENDER, "ma voisine a été violée hier soir"))
    store_from_phone(loaded, Inbound("m2", SENDER, "the water point is broken"))
    assert sweep_batch() == 2
    by_text = {
        f.inbound_message.provider_message_id: f
        for f in Feedback.objects.select_related("inbound_message")
        if f.inbound_message is not None
    }
    assert raised(by_text["m1"])
    assert (by_text["m2"].sensitivity, by_text["m2"].sensitivity_review) == ("normal", "")


def test_the_public_web_form_is_raised(project: Project) -> None:
    response = Client().post(
        form_url(project), form_data(project, content="Il m'a menacée avec un couteau")
    )
    assert response.status_code in (200, 302)
    assert raised(Feedback.objects.get())


def test_a_type_coded_protection_is_sensitive_but_not_to_confirm(project: Project) -> None:
    record = do_create_feedback(
        project, NewFeedback(source="hotline", content="calm words", type_code="protection"), None
    )
    assert (record.sensitivity, record.sensitivity_review) == ("sensitive", "")
    assert not AuditEvent.objects.filter(action="feedback.raise_sensitivity").exists()


def test_plain_feedback_is_left_alone(project: Project) -> None:
    record = do_create_feedback(
        project, NewFeedback(source="sms", content="no water since Monday"), None
    )
    assert (record.sensitivity, record.sensitivity_review, record.urgency) == (
        "normal",
        "",
        "normal",
    )


def test_a_project_with_its_own_rules_uses_those_only(project: Project, area: AdminArea) -> None:
    do_save_rule(
        manager(project),
        None,
        RuleData(
            name="Cholera in the district",
            keywords={"fr": ["diarrhée"]},
            area_ids=[str(area.pk)],
            sets_urgency="high",
        ),
    )
    in_area = do_create_feedback(
        project, NewFeedback(source="sms", content="Beaucoup de DIARRHEE", area=area), None
    )
    elsewhere = do_create_feedback(
        project, NewFeedback(source="sms", content="beaucoup de diarrhée"), None
    )
    abuse = do_create_feedback(project, NewFeedback(source="sms", content=ABUSE), None)
    assert (in_area.urgency, in_area.sensitivity) == ("high", "normal")
    assert elsewhere.urgency == "normal"
    assert abuse.sensitivity == "normal"  # the defaults are not used any more


def test_type_condition_and_urgency_never_lowered(project: Project) -> None:
    do_save_rule(
        manager(project), None, RuleData(name="Rumours", type_codes=["rumour"], sets_urgency="high")
    )
    rumour = do_create_feedback(
        project, NewFeedback(source="web", content="x", type_code="rumour"), None
    )
    critical = do_create_feedback(
        project,
        NewFeedback(source="web", content="x", type_code="rumour", urgency="critical"),
        None,
    )
    assert (rumour.urgency, critical.urgency) == ("high", "critical")


def test_repeat_senders(project: Project) -> None:
    do_save_rule(
        manager(project),
        None,
        RuleData(name="Again", repeat_count=3, repeat_hours=2, sets_urgency="high"),
    )
    start = timezone.now()
    items = [
        NewFeedback(
            source="sms",
            content=f"m{n}",
            phone=SENDER,
            consent_given=True,
            received_at=start + timedelta(minutes=n),
        )
        for n in range(2)
    ]
    first = do_create_feedback_batch(project, items, None)
    assert [f.urgency for f in first] == ["normal", "normal"]
    third = do_create_feedback(
        project,
        NewFeedback(
            source="sms",
            content="m2",
            phone=SENDER,
            consent_given=True,
            received_at=start + timedelta(minutes=5),
        ),
        None,
    )
    assert third.urgency == "high"
    later = do_create_feedback(
        project,
        NewFeedback(
            source="sms",
            content="m3",
            phone=SENDER,
            consent_given=True,
            received_at=start + timedelta(hours=5),
        ),
        None,
    )
    assert later.urgency == "normal"  # the others are out of the window


def test_a_batch_costs_the_same_queries_whatever_its_size(project: Project) -> None:
    do_save_rule(
        manager(project),
        None,
        RuleData(name="Again", repeat_count=3, repeat_hours=2, sets_urgency="high"),
    )

    def batch(n: int, tag: str) -> int:
        items = [
            NewFeedback(
                source="sms",
                content=f"{tag} {i} bat mwen",
                phone=f"+5093700{i:04d}",
                consent_given=True,
            )
            for i in range(n)
        ]
        with CaptureQueriesContext(connection) as queries:
            do_create_feedback_batch(project, items, None)
        return len(queries)

    assert batch(2, "a") == batch(6, "b")


def test_due_at_by_type_and_urgency(project: Project) -> None:
    at = timezone.now()

    def due(**fields: Any) -> timedelta:
        record = do_create_feedback(
            project, NewFeedback(source="web", content="x", received_at=at, **fields), None
        )
        assert record.due_at is not None
        return record.due_at - at

    assert due() == timedelta(hours=72)
    assert due(type_code="protection") == timedelta(hours=24)
    assert due(urgency="critical") == timedelta(hours=24)
    AlertPolicy.objects.create(
        project=project, target_hours={"complaint": 48, "protection": 12}, default_target_hours=96
    )
    assert due() == timedelta(hours=96)
    assert due(type_code="complaint") == timedelta(hours=48)
    assert due(type_code="protection") == timedelta(hours=12)
    assert due_at_for(project.pk, "complaint", at, "critical") == at + timedelta(hours=24)


def test_overdue_is_past_due_and_not_answered_or_closed(project: Project) -> None:
    old = timezone.now() - timedelta(days=4)
    late = do_create_feedback(
        project, NewFeedback(source="web", content="x", received_at=old), None
    )
    answered = do_create_feedback(
        project, NewFeedback(source="web", content="x", received_at=old), None
    )
    Feedback.objects.filter(pk=answered.pk).update(status="answered")
    do_create_feedback(project, NewFeedback(source="web", content="x"), None)
    assert list(
        Feedback.objects.filter(overdue_q(timezone.now())).values_list("pk", flat=True)
    ) == [late.pk]
