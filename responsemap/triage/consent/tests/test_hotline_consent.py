"""The hotline form records consent as the guidance describes it: the notice read out,
the kind (a verbal consent names its witness, a recording where it is kept, a child's
assent the guardian), and a yes or no for each purpose."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from responsemap.intake.contacts.models import ConsentNotice, ConsentRecord
from responsemap.projects.models import Project
from responsemap.protection.models import AuditEvent
from responsemap.protection.present import open_for_system, present
from responsemap.protection.system_opens import SystemPurpose
from responsemap.triage.models import Feedback

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]
WITNESS = "Marie-Ange Duval"


def call(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "consent": "yes",
        "consent_kind": "verbal",
        "witness_name": WITNESS,
        "follow_up_surveys": "yes",
        "share_with_partners": "no",
        "publish_aggregates": "yes",
        "phone": "3712 3456",
        "language": "fr",
        "content": "Pa gen dlo nan kan an depi twa jou",
        "type_code": "complaint",
        "sector": "wash",
        "urgency": "normal",
        "gender": "unknown",
        "age_band": "unknown",
        "disability": "unknown",
        "displacement": "unknown",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def sealed(consent: ConsentRecord, field: str) -> str | None:
    return open_for_system(consent, field, purpose=SystemPurpose.TEST)


def post(client_as: ClientFor, project: Project, data: dict[str, object]) -> object:
    return client_as("operator").post(reverse("triage:hotline", args=[project.slug]), data)


def test_the_form_shows_the_notice_to_read_out_with_sharing_and_rights(
    client_as: ClientFor, project: Project, notice: ConsentNotice
) -> None:
    page = client_as("operator").get(reverse("triage:hotline", args=[project.slug]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Nous gardons votre appel" in html
    assert "partenaires de santé" in html
    assert "corriger ou effacer" in html
    assert f'value="{notice.label}"' in html
    for name in ("witness_name", "audio_reference", "guardian_name", "follow_up_surveys"):
        assert f'name="{name}"' in html


def test_verbal_consent_with_a_witness_makes_a_yes_and_a_no_record(
    client_as: ClientFor, project: Project, notice: ConsentNotice
) -> None:
    response = post(client_as, project, call(notice_version=notice.label))
    assert response.status_code == 302  # type: ignore[attr-defined]
    record = Feedback.objects.get(project=project)
    assert record.contact is not None
    agreed, refused = ConsentRecord.objects.filter(contact=record.contact).order_by("-given")
    assert agreed.given
    assert agreed.purposes == ["respond", "follow_up_surveys", "publish_aggregates"]
    assert not refused.given
    assert refused.purposes == ["share_with_partners"]
    for consent in (agreed, refused):
        assert consent.method == "verbal"
        assert consent.notice_version == notice.label
        assert sealed(consent, "witness_name") == WITNESS
    events = AuditEvent.objects.filter(action="consent.record", object_id=str(agreed.pk))
    assert events.exists()


def test_the_witness_is_sealed_at_rest(
    client_as: ClientFor, project: Project, notice: ConsentNotice
) -> None:
    post(client_as, project, call())
    table = ConsentRecord._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT witness_name FROM {table}")  # noqa: S608
        stored = [str(row[0]) for row in cursor.fetchall()]
    assert stored
    assert all(WITNESS not in value for value in stored)


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"witness_name": ""}, "witness_name", "needs the name of the staff member"),
        ({"consent_kind": "audio"}, "audio_reference", "where the recording"),
        ({"consent_kind": "assent_guardian"}, "guardian_name", "guardian who consented"),
        ({"consent_kind": "sms_notice"}, "consent_kind", "Select a valid choice"),
        ({"notice_version": "xx-v9"}, "notice_version", "Select a valid choice"),
        ({"follow_up_surveys": "maybe"}, "follow_up_surveys", "Select a valid choice"),
        ({"witness_name": "x" * 201}, "witness_name", "at most 200"),
    ],
)
def test_a_kind_without_what_it_needs_is_a_form_error_and_nothing_is_kept(
    client_as: ClientFor,
    project: Project,
    notice: ConsentNotice,
    overrides: dict[str, object],
    field: str,
    words: str,
) -> None:
    response = post(client_as, project, call(**overrides))
    assert response.status_code == 200  # type: ignore[attr-defined]
    form = response.context["form"]  # type: ignore[attr-defined]
    assert field in form.errors
    assert words in " ".join(form.errors[field])
    assert not Feedback.objects.filter(project=project).exists()
    assert not ConsentRecord.objects.exists()


def test_recorded_and_child_assent_keep_their_sealed_detail(
    client_as: ClientFor, project: Project
) -> None:
    post(client_as, project, call(consent_kind="audio", audio_reference="rec-0412.ogg"))
    post(
        client_as,
        project,
        call(consent_kind="assent_guardian", guardian_name="Jean Duval", phone="3712 3457"),
    )
    audio = ConsentRecord.objects.get(method="audio", given=True)
    assent = ConsentRecord.objects.get(method="assent_guardian", given=True)
    assert sealed(audio, "audio_reference") == "rec-0412.ogg"
    assert sealed(assent, "guardian_name") == "Jean Duval"


def test_a_verbal_refusal_needs_no_witness_and_keeps_no_number(
    client_as: ClientFor, project: Project
) -> None:
    data = call(consent="no", witness_name="", follow_up_surveys="no", publish_aggregates="no")
    assert post(client_as, project, data).status_code == 302  # type: ignore[attr-defined]
    record = Feedback.objects.get(project=project)
    assert record.contact is None
    [refused] = ConsentRecord.objects.all()
    assert not refused.given
    assert refused.purposes == [p.value for p in ConsentRecord.Purpose]


def test_not_asked_records_no_consent(client_as: ClientFor, project: Project) -> None:
    data = call(consent="not_asked", witness_name="")
    assert post(client_as, project, data).status_code == 302  # type: ignore[attr-defined]
    assert Feedback.objects.filter(project=project, contact=None).exists()
    assert not ConsentRecord.objects.exists()


def test_a_version_published_during_the_call_is_accepted(
    client_as: ClientFor, project: Project, notice: ConsentNotice
) -> None:
    from responsemap.intake.contacts.actions import do_set_consent_notice

    do_set_consent_notice(project_id=project.pk, language="fr", text="Version deux.")
    assert post(client_as, project, call(notice_version=notice.label)).status_code == 302  # type: ignore[attr-defined]
    assert set(ConsentRecord.objects.values_list("notice_version", flat=True)) == {"fr-v1"}


def test_officers_see_the_kind_but_not_the_sealed_witness(
    client_as: ClientFor, project: Project, as_viewer: Callable[[str], object]
) -> None:
    post(client_as, project, call())
    consent = ConsentRecord.objects.filter(given=True).get()
    shown = present(consent, as_viewer("officer"), "feedback_detail")  # type: ignore[arg-type]
    assert shown["method"].code == "verbal"
    assert shown["witness_name"].masked
    assert WITNESS not in str(shown["witness_name"])
