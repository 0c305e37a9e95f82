"""A manager's partners and agreements, each agreement's disclosure log, and the record
page's referral card: every persona, allowed ones work, denied ones change nothing."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from responsemap.accounts.models import User
from responsemap.projects.models import Project
from responsemap.projects.sharing.models import DataSharingAgreement, Partner, PartnerUser
from responsemap.protection.models import AuditEvent
from responsemap.protection.viewer import Viewer
from responsemap.triage.models import Feedback
from responsemap.triage.referrals.actions import do_refer_feedback
from responsemap.triage.referrals.models import Disclosure, Referral
from responsemap.triage.referrals.queries import today as referral_today
from responsemap.triage.referrals.views import LOG_PAGE_SIZE

pytestmark = pytest.mark.django_db
DENIED = ["operator", "officer", "protection", "partner", "donor", "outsider", "sysadmin"]


def state() -> tuple[int, ...]:
    return (
        Partner.objects.count(),
        PartnerUser.objects.count(),
        DataSharingAgreement.objects.count(),
        DataSharingAgreement.objects.filter(revoked_at__isnull=False).count(),
        Referral.objects.count(),
        AuditEvent.objects.filter(action__startswith="partner.").count(),
        AuditEvent.objects.filter(action__startswith="agreement.").count(),
    )


def agreement_post(partner: Partner, **changes: Any) -> dict[str, Any]:
    today = referral_today()
    data: dict[str, Any] = {
        "partner": str(partner.pk),
        "purpose": "Health follow-up",
        "document_reference": "DSA-2026-020",
        "valid_from": today.isoformat(),
        "valid_to": (today + datetime.timedelta(days=90)).isoformat(),
        "fields_allowed": ["type_code", "redacted_content"],
        "types_allowed": ["complaint"],
        "sectors_allowed": ["health"],
    }
    data.update(changes)
    return data


def test_a_manager_sets_up_partners_and_agreements(
    client_as: Callable[[str], Client], project: Project, personas: dict[str, User]
) -> None:
    client = client_as("manager")
    slug = project.slug
    assert client.get(reverse("triage:sharing", args=[slug])).status_code == 200
    response = client.post(reverse("triage:partner_create", args=[slug]), {"name": "Clinique"})
    assert response.status_code == 302
    partner = Partner.objects.get()
    response = client.post(
        reverse("triage:partner_link", args=[slug]),
        {"partner": str(partner.pk), "user": personas["partner"].pk},
    )
    assert response.status_code == 302
    assert PartnerUser.objects.get().user == personas["partner"]
    # Only a member with the partner role can be linked.
    client.post(
        reverse("triage:partner_link", args=[slug]),
        {"partner": str(partner.pk), "user": personas["officer"].pk},
    )
    assert PartnerUser.objects.count() == 1
    response = client.post(reverse("triage:agreement_create", args=[slug]), agreement_post(partner))
    assert response.status_code == 302
    deal = DataSharingAgreement.objects.get()
    assert deal.fields_allowed == ["redacted_content", "type_code"]
    page = client.get(reverse("triage:sharing", args=[slug])).content.decode()
    assert "DSA-2026-020" in page
    assert "Message (redacted)" in page  # fields in words, never codes
    # An agreement ending before it starts is refused.
    bad = agreement_post(partner, valid_to="2000-01-01", document_reference="BAD")
    assert client.post(reverse("triage:agreement_create", args=[slug]), bad).status_code == 400
    # Revoking needs a reason, and is audited.
    revoke = reverse("triage:agreement_revoke", args=[slug, deal.pk])
    client.post(revoke, {"reason": ""})
    assert DataSharingAgreement.objects.get().revoked_at is None
    client.post(revoke, {"reason": "Office closed"})
    assert DataSharingAgreement.objects.get().revoked_at is not None
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "partner.create",
        "partner.link_user",
        "agreement.create",
        "agreement.revoke",
    } <= actions


@pytest.mark.parametrize("persona", DENIED)
def test_other_roles_get_a_404_and_change_nothing(
    client_as: Callable[[str], Client],
    project: Project,
    agreement: DataSharingAgreement,
    partner: Partner,
    personas: dict[str, User],
    persona: str,
) -> None:
    client = client_as(persona)
    slug = project.slug
    before = state()
    for url in (
        reverse("triage:sharing", args=[slug]),
        reverse("triage:disclosure_log", args=[slug, agreement.pk]),
    ):
        assert client.get(url).status_code == 404, url
    for name, args, data in (
        ("triage:partner_create", [slug], {"name": "Sneaky"}),
        ("triage:partner_link", [slug], {"partner": partner.pk, "user": personas[persona].pk}),
        ("triage:agreement_create", [slug], agreement_post(partner)),
        ("triage:agreement_revoke", [slug, agreement.pk], {"reason": "because"}),
    ):
        assert client.post(reverse(name, args=args), data).status_code == 404, name
    assert state() == before


@pytest.mark.parametrize("persona", ["operator", "donor", "partner", "outsider", "sysadmin"])
def test_only_editors_refer_from_the_record_page(
    client_as: Callable[[str], Client],
    agreement: DataSharingAgreement,
    make_ready: Callable[..., Feedback],
    persona: str,
) -> None:
    record = make_ready()
    before = state()
    url = reverse("triage:refer", args=[record.project.slug, record.pk])
    response = client_as(persona).post(
        url, {"agreement": str(agreement.pk), "consent_confirmed": "on", "note": "x"}
    )
    assert response.status_code == 404
    assert state() == before


def test_an_officer_refers_from_the_record_page(
    client_as: Callable[[str], Client],
    agreement: DataSharingAgreement,
    make_ready: Callable[..., Feedback],
) -> None:
    record = make_ready()
    client = client_as("officer")
    detail = reverse("triage:detail", args=[record.project.slug, record.pk])
    page = client.get(detail).content.decode()
    assert "DSA-2026-014" in page
    assert 'id="referrals"' in page
    response = client.post(
        reverse("triage:refer", args=[record.project.slug, record.pk]),
        {"agreement": str(agreement.pk), "note": "ZQXNOTE call her", "from_status": "in_progress"},
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == "referred"
    page = client.get(detail).content.decode()
    assert "ZQXNOTE call her" in page
    assert "Sent, not yet received" in page


def test_the_disclosure_log_is_searchable_and_paged(
    client_as: Callable[[str], Client],
    viewers: dict[str, Viewer],
    agreement: DataSharingAgreement,
    make_ready: Callable[..., Feedback],
) -> None:
    records = [make_ready(f"case {n}") for n in range(3)]
    for record in records:
        do_refer_feedback(viewers["officer"], record.pk, agreement.pk, "")
    partner_client = client_as("partner")
    slug = records[0].project.slug
    for _ in range(LOG_PAGE_SIZE // 3 + 1):
        partner_client.get(reverse("triage:partner_queue", args=[slug]))
    client = client_as("manager")
    url = reverse("triage:disclosure_log", args=[slug, agreement.pk])
    total = Disclosure.objects.filter(agreement=agreement).count()
    assert total > LOG_PAGE_SIZE
    page = client.get(url).content.decode()
    assert "Page 1 of 2" in page
    assert "Listed in the partner&#x27;s queue" in page
    assert "partner" in page
    assert "Message (redacted)" in page
    wanted = records[1].reference
    page = client.get(url + f"?q={wanted.lower()}&kind=referred").content.decode()
    assert wanted in page
    assert records[0].reference not in page
    assert records[2].reference not in page

    def count(address: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(address).status_code == 200
        return len(queries)

    assert count(url) == count(url + "?page=2") == LOG_QUERIES[connection.vendor]


# Session, user, project, membership, the agreement, the page's count and rows, then
# the listing event (audit head, event, listed rows, in a savepoint).
LOG_QUERIES = {"sqlite": 15, "postgresql": 14}
