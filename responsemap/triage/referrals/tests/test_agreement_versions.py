"""Editing a data-sharing agreement: a new version each time, the old ones kept and
readable by its managers; a narrowing holds at once on every partner output, a widening
only for what is referred from then on; the disclosure log names the version; a denied
attempt changes nothing."""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from responsemap.analytics.queries import Labels
from responsemap.analytics.roles.partner import NOT_SHARED, partner_figures
from responsemap.lib import clock
from responsemap.projects.models import Project
from responsemap.projects.sharing.actions import (
    AgreementTerms,
    SharingRefused,
    do_edit_agreement,
    do_revoke_agreement,
)
from responsemap.projects.sharing.models import AgreementVersion, DataSharingAgreement
from responsemap.protection.models import AuditEvent
from responsemap.protection.viewer import Viewer
from responsemap.triage.models import Feedback
from responsemap.triage.referrals.actions import do_refer_feedback
from responsemap.triage.referrals.models import Disclosure, Referral

pytestmark = pytest.mark.django_db
DENIED = ["operator", "officer", "protection", "partner", "donor", "outsider", "sysadmin"]
REDACTED_MARK = "ZQXREDACTED"


def terms_of(agreement: DataSharingAgreement, **changes: Any) -> AgreementTerms:
    terms = AgreementTerms(
        purpose=agreement.purpose,
        document_reference=agreement.document_reference,
        valid_from=agreement.valid_from,
        valid_to=agreement.valid_to,
        fields_allowed=list(agreement.fields_allowed),
        types_allowed=list(agreement.types_allowed),
        sectors_allowed=list(agreement.sectors_allowed),
    )
    return dataclasses.replace(terms, **changes)


def edit_post(agreement: DataSharingAgreement, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "version": agreement.version,
        "purpose": agreement.purpose,
        "document_reference": agreement.document_reference,
        "valid_from": agreement.valid_from.isoformat(),
        "valid_to": agreement.valid_to.isoformat(),
        "fields_allowed": list(agreement.fields_allowed),
        "types_allowed": list(agreement.types_allowed),
        "sectors_allowed": list(agreement.sectors_allowed),
        "reason": "Addendum 1 signed",
    }
    data.update(changes)
    return data


def state(agreement: DataSharingAgreement) -> tuple[Any, ...]:
    row = DataSharingAgreement.objects.get(pk=agreement.pk)
    return (
        row.version,
        row.fields_allowed,
        row.purpose,
        AgreementVersion.objects.count(),
        AuditEvent.objects.filter(action__startswith="agreement.").count(),
    )


@pytest.fixture
def ready(make_ready: Callable[..., Feedback]) -> Callable[[], Feedback]:
    def make() -> Feedback:
        record = make_ready()
        record.redacted_content = f"{REDACTED_MARK} [NAME] was sent away"
        record.save(update_fields=["redacted_content"])
        return record

    return make


def test_an_agreement_starts_at_version_one(agreement: DataSharingAgreement) -> None:
    (version,) = AgreementVersion.objects.filter(agreement=agreement)
    assert (agreement.version, version.number) == (1, 1)
    assert version.fields_allowed == agreement.fields_allowed
    assert version.reason is None


def test_a_manager_edits_through_the_page_and_the_old_version_stays_readable(
    client_as: Callable[[str], Client], project: Project, agreement: DataSharingAgreement
) -> None:
    client = client_as("manager")
    page = reverse("triage:agreement", args=[project.slug, agreement.pk])
    assert client.get(page).status_code == 200
    response = client.post(
        reverse("triage:agreement_edit", args=[project.slug, agreement.pk]),
        edit_post(agreement, purpose="Health and nutrition follow-up"),
    )
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert (agreement.version, agreement.purpose) == (2, "Health and nutrition follow-up")
    assert list(agreement.versions.values_list("number", "purpose")) == [
        (2, "Health and nutrition follow-up"),
        (1, "Health follow-up"),
    ]
    assert AuditEvent.objects.filter(action="agreement.edit").count() == 1
    text = client.get(page).content.decode()
    assert "version 2 of 2" in text
    assert "Version 1 of 2" in text
    assert "Addendum 1 signed" in text  # the reason, sealed at rest, shown to its manager
    assert "Health follow-up" in text  # the old purpose kept
    assert AuditEvent.objects.filter(action="agreementversion.list").exists()
    # The reason is not stored in clear.
    version = AgreementVersion.objects.get(agreement=agreement, number=2)
    raw = AgreementVersion.objects.filter(pk=version.pk).values_list("reason", flat=True)[0]
    assert b"Addendum" not in bytes(raw)


@pytest.mark.parametrize("persona", DENIED)
def test_other_roles_can_not_edit_and_change_nothing(
    client_as: Callable[[str], Client],
    project: Project,
    agreement: DataSharingAgreement,
    viewers: dict[str, Viewer],
    persona: str,
) -> None:
    before = state(agreement)
    client = client_as(persona)
    assert (
        client.get(reverse("triage:agreement", args=[project.slug, agreement.pk])).status_code
        == 404
    )
    response = client.post(
        reverse("triage:agreement_edit", args=[project.slug, agreement.pk]),
        edit_post(agreement, fields_allowed=["type_code", "content"]),
    )
    assert response.status_code == 404
    if persona in viewers:
        with pytest.raises(Http404):
            do_edit_agreement(
                viewers[persona], agreement.pk, terms_of(agreement, purpose="Other"), "Because"
            )
    assert state(agreement) == before


def test_an_edit_needs_a_reason_a_change_the_latest_version_and_an_agreement_in_force(
    viewers: dict[str, Viewer], agreement: DataSharingAgreement
) -> None:
    manager = viewers["manager"]
    before = state(agreement)
    with pytest.raises(SharingRefused):
        do_edit_agreement(manager, agreement.pk, terms_of(agreement, purpose="Other"), "  ")
    with pytest.raises(SharingRefused):
        do_edit_agreement(manager, agreement.pk, terms_of(agreement), "Nothing new")
    with pytest.raises(SharingRefused):
        do_edit_agreement(manager, agreement.pk, terms_of(agreement, fields_allowed=[]), "Empty")
    assert state(agreement) == before
    do_edit_agreement(
        manager, agreement.pk, terms_of(agreement, purpose="A"), "First", expected_version=1
    )
    # Someone who saw version 1 and saves now is told, not overwriting version 2.
    with pytest.raises(SharingRefused, match="meanwhile"):
        do_edit_agreement(
            manager, agreement.pk, terms_of(agreement, purpose="B"), "Second", expected_version=1
        )
    do_revoke_agreement(manager, agreement.pk, "Ended")
    with pytest.raises(SharingRefused):
        do_edit_agreement(manager, agreement.pk, terms_of(agreement, purpose="C"), "Too late")
    assert DataSharingAgreement.objects.get(pk=agreement.pk).purpose == "A"


def partner_pages(client: Client, project: Project, referral: Referral) -> str:
    queue = client.get(reverse("triage:partner_queue", args=[project.slug]))
    page = client.get(reverse("triage:partner_referral", args=[project.slug, referral.pk]))
    assert queue.status_code == page.status_code == 200
    return queue.content.decode() + page.content.decode()


def test_narrowing_hides_a_field_from_every_partner_output_at_once(
    client_as: Callable[[str], Client],
    project: Project,
    viewers: dict[str, Viewer],
    agreement: DataSharingAgreement,
    ready: Callable[[], Feedback],
) -> None:
    referral = do_refer_feedback(viewers["officer"], ready().pk, agreement.pk, "Please call")
    partner = client_as("partner")
    assert REDACTED_MARK in partner_pages(partner, project, referral)
    do_edit_agreement(
        viewers["manager"],
        agreement.pk,
        terms_of(agreement, fields_allowed=["sector"]),
        "The message is no longer shared",
    )
    text = partner_pages(partner, project, referral)
    assert REDACTED_MARK not in text
    # The partner's figures: the type is no longer shared either.
    now = clock.now()
    figures = partner_figures(
        viewers["partner"], now, now.date(), now.date(), Labels(viewers["partner"].project_id)
    )
    assert figures is not None
    by_type = next(t for t in figures.tables if t.name == "type_code")
    assert [g.value for g in by_type.groups] == [NOT_SHARED]
    # The log: what each look showed, and under which version.
    fields = [
        line.fields
        for line in Disclosure.objects.filter(referral=referral, kind="viewed").order_by("at")
    ]
    assert fields == [
        ["reference", "type_code", "sector", "redacted_content"],
        ["reference", "sector"],
    ]
    log = client_as("manager").get(
        reverse("triage:disclosure_log", args=[project.slug, agreement.pk])
    )
    assert log.status_code == 200
    versions = [cell for cell in log.content.decode().split('data-label="Under version">')[1:]]
    assert [cell.split("<")[0] for cell in versions][:2] == ["2", "2"]
    assert [cell.split("<")[0] for cell in versions][-1] == "1"


def test_widening_holds_only_for_what_is_referred_from_then_on(
    client_as: Callable[[str], Client],
    project: Project,
    viewers: dict[str, Viewer],
    make_agreement: Callable[..., DataSharingAgreement],
    ready: Callable[[], Feedback],
) -> None:
    agreement = make_agreement(fields_allowed=["type_code"])
    before = do_refer_feedback(viewers["officer"], ready().pk, agreement.pk, "Before")
    do_edit_agreement(
        viewers["manager"],
        agreement.pk,
        terms_of(agreement, fields_allowed=["type_code", "redacted_content"]),
        "The message may be shared",
    )
    after = do_refer_feedback(viewers["officer"], ready().pk, agreement.pk, "After")
    partner = client_as("partner")
    assert (
        REDACTED_MARK
        not in client_as("partner")
        .get(reverse("triage:partner_referral", args=[project.slug, before.pk]))
        .content.decode()
    )
    assert (
        REDACTED_MARK
        in partner.get(
            reverse("triage:partner_referral", args=[project.slug, after.pk])
        ).content.decode()
    )
    referred = {
        line.referral_id: line.fields
        for line in Disclosure.objects.filter(kind="referred", agreement=agreement)
    }
    assert referred == {
        before.pk: ["reference", "type_code"],
        after.pk: ["reference", "type_code", "redacted_content"],
    }


def test_a_partner_sees_only_the_current_version(
    client_as: Callable[[str], Client],
    project: Project,
    viewers: dict[str, Viewer],
    agreement: DataSharingAgreement,
    ready: Callable[[], Feedback],
) -> None:
    referral = do_refer_feedback(viewers["officer"], ready().pk, agreement.pk, "Please call")
    do_edit_agreement(
        viewers["manager"],
        agreement.pk,
        terms_of(agreement, document_reference="DSA-2026-014-A1"),
        "Addendum signed",
    )
    text = partner_pages(client_as("partner"), project, referral)
    assert "DSA-2026-014-A1" in text
    assert "DSA-2026-014 " not in text
    assert "DSA-2026-014)" not in text
    assert "Addendum signed" not in text


def test_after_an_edit_the_queue_still_costs_the_same_queries_whatever_its_length(
    client_as: Callable[[str], Client],
    project: Project,
    viewers: dict[str, Viewer],
    agreement: DataSharingAgreement,
    ready: Callable[[], Feedback],
) -> None:
    do_refer_feedback(viewers["officer"], ready().pk, agreement.pk, "Before")
    do_edit_agreement(
        viewers["manager"], agreement.pk, terms_of(agreement, purpose="Wider"), "Addendum"
    )
    client = client_as("partner")
    url = reverse("triage:partner_queue", args=[project.slug])
    client.get(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    one = count()
    for n in range(3):
        do_refer_feedback(viewers["officer"], ready().pk, agreement.pk, f"After {n}")
    assert count() == one  # the versions of the page's agreements: one query, not one a line


def test_narrowing_the_categories_hides_their_referrals_at_once(
    client_as: Callable[[str], Client],
    project: Project,
    viewers: dict[str, Viewer],
    agreement: DataSharingAgreement,
    make_ready: Callable[..., Feedback],
) -> None:
    complaint = do_refer_feedback(viewers["officer"], make_ready().pk, agreement.pk, "One")
    request = do_refer_feedback(
        viewers["officer"], make_ready(type_code="request").pk, agreement.pk, "Two"
    )
    do_edit_agreement(
        viewers["manager"],
        agreement.pk,
        terms_of(agreement, types_allowed=["request"]),
        "Complaints go to another partner now",
    )
    partner = client_as("partner")
    hidden = reverse("triage:partner_referral", args=[project.slug, complaint.pk])
    kept = reverse("triage:partner_referral", args=[project.slug, request.pk])
    assert partner.get(hidden).status_code == 404
    assert partner.get(kept).status_code == 200
    queue = partner.get(reverse("triage:partner_queue", args=[project.slug])).content.decode()
    assert complaint.feedback.reference not in queue
    assert request.feedback.reference in queue
    now = clock.now()
    figures = partner_figures(
        viewers["partner"], now, now.date(), now.date(), Labels(viewers["partner"].project_id)
    )
    assert figures is not None
    assert figures.referrals == 1


def test_the_migration_gives_an_existing_agreement_its_first_version(
    agreement: DataSharingAgreement,
) -> None:
    migration = importlib.import_module("responsemap.projects.migrations.0007_agreement_versions")
    AgreementVersion.objects.filter(agreement=agreement).delete()  # as before the migration
    migration.first_versions(django_apps, None)
    (version,) = AgreementVersion.objects.filter(agreement=agreement)
    assert (version.number, version.changed_at) == (1, agreement.created_at)
    assert version.fields_allowed == agreement.fields_allowed
    assert version.changed_by_id == agreement.created_by_id


def test_the_page_refuses_a_bad_edit_and_offers_none_for_a_revoked_agreement(
    client_as: Callable[[str], Client],
    project: Project,
    viewers: dict[str, Viewer],
    agreement: DataSharingAgreement,
) -> None:
    client = client_as("manager")
    edit = reverse("triage:agreement_edit", args=[project.slug, agreement.pk])
    before = state(agreement)
    backwards = edit_post(agreement, valid_to=agreement.valid_from.replace(year=2000).isoformat())
    assert client.post(edit, backwards).status_code == 400
    assert client.post(edit, edit_post(agreement, reason="")).status_code == 400
    response = client.post(edit, edit_post(agreement), follow=True)  # nothing changed
    assert "Nothing was changed." in response.content.decode()
    assert state(agreement) == before
    do_revoke_agreement(viewers["manager"], agreement.pk, "Ended")
    page = client.get(reverse("triage:agreement", args=[project.slug, agreement.pk]))
    assert page.status_code == 200
    assert "agreement_edit" not in page.content.decode()
    assert 'action="' + edit + '"' not in page.content.decode()
