"""A partner's figures: the referrals made to their partner under agreements in force,
by the fields those agreements share; nothing of records not referred to them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse

from responsemap.analytics.queries import Labels
from responsemap.analytics.roles.partner import ANSWER_DAYS, NOT_SHARED, partner_figures
from responsemap.lib import clock
from responsemap.projects.sharing.actions import do_create_partner, do_revoke_agreement
from responsemap.protection.models import AuditEvent
from responsemap.protection.viewer import Viewer
from responsemap.triage.referrals.actions import (
    do_answer_referral,
    do_refer_feedback,
    do_update_referral_status,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def referred(
    viewers: dict[str, Viewer],
    make_agreement: Callable[..., Any],
    make_ready: Callable[..., Any],
    area: Any,
) -> dict[str, Any]:
    """Three referrals to the partner: two under an agreement sharing type and sector
    (one answered, done), one under an agreement sharing the area only; one record
    referred to another partner; two records never referred."""
    typed = make_agreement(fields_allowed=["type_code", "sector"])
    placed = make_agreement(fields_allowed=["area"], document_reference="DSA-2026-015")
    officer = viewers["officer"]
    first = do_refer_feedback(officer, make_ready(area=area).pk, typed.pk, "Please call")
    do_refer_feedback(officer, make_ready(type_code="request").pk, typed.pk, "Please see")
    do_refer_feedback(officer, make_ready(area=area).pk, placed.pk, "Please visit")
    do_update_referral_status(viewers["partner"], first.pk, "received")
    do_answer_referral(viewers["partner"], first.pk, "Seen at the clinic")
    do_update_referral_status(viewers["partner"], first.pk, "done")
    other = do_create_partner(viewers["manager"], "Other NGO")
    elsewhere = make_agreement(partner_id=other.pk, document_reference="DSA-OTHER")
    do_refer_feedback(officer, make_ready().pk, elsewhere.pk, "Other")
    make_ready()
    make_ready(type_code="request")
    return {"typed": typed, "placed": placed, "area": area}


def figures_of(viewer: Viewer, now: Any = None) -> Any:
    now = now or clock.now()
    today = now.date()
    return partner_figures(
        viewer, now, today - timedelta(days=30), today, Labels(viewer.project_id)
    )


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("operator", 404),
        ("officer", 404),
        ("protection", 404),
        ("manager", 404),
        ("partner", 200),
        ("donor", 404),
        ("outsider", 404),
        ("sysadmin", 404),
    ],
)
def test_only_the_partner_sees_its_figures(
    client_as: Any, project: Any, referred: Any, persona: str, status: int
) -> None:
    before = AuditEvent.objects.count()
    response = client_as(persona).get(reverse("analytics:partner", args=[project.slug]))
    assert response.status_code == status
    assert AuditEvent.objects.count() == before
    if status == 200:
        assert response.context["figures"].referrals == 3
        assert "Clinique Espoir" in response.content.decode()
        assert "Other NGO" not in response.content.decode()


def test_figures_count_only_referrals_to_the_partner(viewers: Any, referred: Any) -> None:
    found = figures_of(viewers["partner"])
    assert found.referrals == 3  # not the other partner's, not the unreferred records
    assert found.answered == 1
    assert found.open == 2
    assert found.overdue == 0
    tables = {t.name: {g.value: g.records for g in t.groups} for t in found.tables}
    assert tables["status"] == {"done": 1, "sent": 2}
    # Type and sector only where the agreement shares them; the area likewise.
    assert tables["type_code"] == {"complaint": 1, "request": 1, NOT_SHARED: 1}
    assert tables["sector"] == {"health": 2, NOT_SHARED: 1}
    assert tables["area"] == {str(referred["area"].pk): 1, NOT_SHARED: 2}
    assert sum(n for _start, n in found.weeks) == 3


def test_overdue_after_the_answer_days(viewers: Any, referred: Any) -> None:
    later = clock.now() + timedelta(days=ANSWER_DAYS, hours=1)
    assert figures_of(viewers["partner"], later).overdue == 2


def test_a_revoked_agreement_takes_its_referrals_out(viewers: Any, referred: Any) -> None:
    do_revoke_agreement(viewers["manager"], referred["placed"].pk, "Ended early")
    assert figures_of(viewers["partner"]).referrals == 2


def test_staff_get_no_partner_figures(viewers: Any, referred: Any) -> None:
    for persona in ("officer", "protection", "manager", "donor", "operator"):
        assert figures_of(viewers[persona]) is None


def test_bad_dates_are_a_form_error(client_as: Any, project: Any, referred: Any) -> None:
    url = reverse("analytics:partner", args=[project.slug])
    response = client_as("partner").get(url + "?until=2026-13-45")
    assert response.status_code == 400


def test_query_count_is_pinned(
    client_as: Any, project: Any, referred: Any, django_assert_num_queries: Any
) -> None:
    client = client_as("partner")
    url = reverse("analytics:partner", args=[project.slug])
    client.get(url)
    with django_assert_num_queries(PARTNER_QUERIES):
        client.get(url)


# session, user, project, membership, partner link, the partner's agreements in force
# (their categories), the referrals (one query, agreements joined), the layout: none per
# referral.
PARTNER_QUERIES = 10
