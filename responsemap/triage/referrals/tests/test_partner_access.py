"""A partner user sees only what was referred to their partner under an agreement in
force, only the fields it allows, on every screen; an expired or revoked agreement cuts
access at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from responsemap.accounts.actions import do_add_member
from responsemap.accounts.models import User
from responsemap.accounts.queries import viewer_for
from responsemap.lib.clock import FakeClock
from responsemap.projects.models import Project
from responsemap.projects.sharing.actions import (
    do_create_partner,
    do_link_partner_user,
    do_revoke_agreement,
)
from responsemap.projects.sharing.models import DataSharingAgreement, PartnerUser
from responsemap.protection.models import AuditEvent
from responsemap.protection.viewer import Viewer
from responsemap.testing import PASSWORD
from responsemap.triage.models import Feedback
from responsemap.triage.referrals.actions import (
    ReferralRefused,
    do_answer_referral,
    do_refer_feedback,
    do_update_referral_status,
)
from responsemap.triage.referrals.models import Disclosure, Referral
from responsemap.triage.referrals.queries import today

pytestmark = pytest.mark.django_db

# Something distinctive in each field an agreement may share.
CONTENT = "ZQXORIGINAL Marie at +509 3799 0101 was sent away"
REDACTED = "ZQXREDACTED [NAME] at [PHONE] was sent away"
MARKERS = {
    "content": "ZQXORIGINAL",
    "redacted_content": "ZQXREDACTED",
    "topic": "ZQXTOPIC",
    "gender": "Female",
    "age_band": "60 and over",
    "displacement": "Internally displaced",
    "urgency": "Critical",
}


@pytest.fixture
def referred(
    viewers: dict[str, Viewer],
    make_agreement: Callable[..., DataSharingAgreement],
    make_ready: Callable[..., Feedback],
) -> Callable[..., Referral]:
    def make(fields: list[str], **agreement: Any) -> Referral:
        deal = make_agreement(fields_allowed=fields, **agreement)
        record = make_ready(
            CONTENT,
            topic="ZQXTOPIC",
            gender="female",
            age_band="60+",
            displacement="idp",
            urgency="critical",
        )
        record.redacted_content = REDACTED
        record.save(update_fields=["redacted_content"])
        return do_refer_feedback(viewers["officer"], record.pk, deal.pk, "ZQXNOTE please call")

    return make


# The audit head's lock costs SQLite one more statement a chain write than PostgreSQL.
QUEUE_QUERIES = {"sqlite": 17, "postgresql": 15}

FIELD_SETS = [
    ["type_code"],
    ["redacted_content"],
    ["redacted_content", "gender", "age_band"],
    ["content", "topic", "urgency", "displacement"],
    ["topic", "gender", "age_band", "displacement", "urgency", "redacted_content", "content"],
]


@pytest.mark.parametrize("fields", FIELD_SETS)
def test_the_partner_sees_exactly_the_agreed_fields(
    referred: Callable[..., Referral], client_as: Callable[[str], Client], fields: list[str]
) -> None:
    referral = referred(fields)
    client = client_as("partner")
    slug = referral.project.slug
    pages = {
        "queue": client.get(reverse("triage:partner_queue", args=[slug])),
        "filtered": client.get(
            reverse("triage:partner_queue", args=[slug])
            + f"?q={referral.feedback.reference.lower().replace('-', '')}&status=sent"
        ),
        "detail": client.get(reverse("triage:partner_referral", args=[slug, referral.pk])),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        body = response.content.decode()
        assert referral.feedback.reference in body, name
        for field, marker in MARKERS.items():
            assert (marker in body) == (field in fields), f"{name}: {field}"
        assert "3799 0101" not in body or "content" in fields
    # Each screen's look is in the disclosure log and the audit trail, naming the fields.
    kinds = list(Disclosure.objects.filter(referral=referral).values_list("kind", flat=True))
    assert sorted(kinds) == ["listed", "listed", "referred", "viewed"]
    assert AuditEvent.objects.filter(action="referral.viewed").count() == 1
    # The original message is a reveal, audited as one.
    reveals = AuditEvent.objects.filter(action="field.reveal", actor_label="partner").count()
    assert reveals == (3 if "content" in fields else 0)


def test_the_day_after_valid_to_the_partner_gets_a_404(
    referred: Callable[..., Referral], client_as: Callable[[str], Client], clock: FakeClock
) -> None:
    referral = referred(["redacted_content"])
    deal = referral.agreement
    client = client_as("partner")
    url = reverse("triage:partner_referral", args=[referral.project.slug, referral.pk])
    queue = reverse("triage:partner_queue", args=[referral.project.slug])
    days_left = (deal.valid_to - today()).days
    clock.advance(days_left * 86400)
    assert client.get(url).status_code == 200  # the last day still holds
    clock.advance(86400)
    assert client.get(url).status_code == 404
    body = client.get(queue).content.decode()
    assert referral.feedback.reference not in body
    before = (Referral.objects.get(pk=referral.pk).status, Disclosure.objects.count())
    post = reverse("triage:partner_status", args=[referral.project.slug, referral.pk])
    assert client.post(post, {"to_status": "received"}).status_code == 404
    assert (Referral.objects.get(pk=referral.pk).status, Disclosure.objects.count()) == before


def test_revoking_cuts_access_at_once(
    referred: Callable[..., Referral],
    client_as: Callable[[str], Client],
    viewers: dict[str, Viewer],
) -> None:
    referral = referred(["redacted_content"])
    client = client_as("partner")
    url = reverse("triage:partner_referral", args=[referral.project.slug, referral.pk])
    assert client.get(url).status_code == 200
    do_revoke_agreement(viewers["manager"], referral.agreement_id, "Breach reported")
    assert client.get(url).status_code == 404
    event = AuditEvent.objects.get(action="agreement.revoke")
    assert event.actor_label == "manager"


def test_another_partners_user_sees_nothing(
    referred: Callable[..., Referral],
    viewers: dict[str, Viewer],
    project: Project,
) -> None:
    referral = referred(["redacted_content"])
    other = do_create_partner(viewers["manager"], "Autre ONG")
    user = User.objects.create_user("partner2", password=PASSWORD)
    do_add_member(project_id=project.pk, user=user, role_code="partner")
    do_link_partner_user(viewers["manager"], other.pk, user.pk)
    client = Client()
    client.force_login(user)
    assert (
        client.get(reverse("triage:partner_referral", args=[project.slug, referral.pk])).status_code
        == 404
    )
    body = client.get(reverse("triage:partner_queue", args=[project.slug])).content.decode()
    assert referral.feedback.reference not in body


@pytest.mark.parametrize(
    "persona", ["operator", "officer", "protection", "manager", "donor", "outsider", "sysadmin"]
)
def test_only_partner_users_reach_the_partner_screens(
    referred: Callable[..., Referral], client_as: Callable[[str], Client], persona: str
) -> None:
    referral = referred(["redacted_content"])
    client = client_as(persona)
    slug = referral.project.slug
    before = (Referral.objects.get(pk=referral.pk).status, Disclosure.objects.count())
    for url in (
        reverse("triage:partner_queue", args=[slug]),
        reverse("triage:partner_referral", args=[slug, referral.pk]),
    ):
        assert client.get(url).status_code == 404, url
    for name, data in (
        ("triage:partner_status", {"to_status": "received"}),
        ("triage:partner_answer", {"text": "ZQXANSWER done"}),
    ):
        assert client.post(reverse(name, args=[slug, referral.pk]), data).status_code == 404
    assert (Referral.objects.get(pk=referral.pk).status, Disclosure.objects.count()) == before


def test_an_unlinked_partner_user_sees_nothing(
    referred: Callable[..., Referral],
    client_as: Callable[[str], Client],
    personas: dict[str, User],
) -> None:
    referral = referred(["redacted_content"])
    PartnerUser.objects.filter(user=personas["partner"]).delete()
    client = client_as("partner")
    assert (
        client.get(reverse("triage:partner_queue", args=[referral.project.slug])).status_code == 404
    )


def test_the_partner_updates_the_status_and_answers(
    referred: Callable[..., Referral],
    client_as: Callable[[str], Client],
    viewers: dict[str, Viewer],
) -> None:
    referral = referred(["redacted_content"])
    client = client_as("partner")
    slug = referral.project.slug
    status_url = reverse("triage:partner_status", args=[slug, referral.pk])
    response = client.post(status_url, {"from_status": "sent", "to_status": "received"})
    assert response.status_code == 302
    # The same move again, from the page seen before: refused, nothing changes.
    client.post(status_url, {"from_status": "sent", "to_status": "received"})
    assert Referral.objects.get(pk=referral.pk).status == "received"
    assert Disclosure.objects.filter(kind="status").count() == 1
    client.post(
        reverse("triage:partner_answer", args=[slug, referral.pk]),
        {"text": "ZQXANSWER seen at the clinic on Monday"},
    )
    stored = Referral.objects.get(pk=referral.pk)
    assert stored.answered_at is not None
    assert b"ZQXANSWER" not in bytes(
        Referral.objects.filter(pk=referral.pk).values_list("answer", flat=True).get()
    )
    # Staff see the answer on the record page.
    page = client_as("officer").get(reverse("triage:detail", args=[slug, referral.feedback_id]))
    assert "ZQXANSWER" in page.content.decode()
    assert AuditEvent.objects.filter(action="referral.answered", actor_label="partner").exists()


def test_a_partner_move_not_in_the_table_is_refused(
    referred: Callable[..., Referral], personas: dict[str, User], project: Project
) -> None:
    referral = referred(["redacted_content"])
    viewer = viewer_for(personas["partner"], project.pk)
    assert viewer is not None
    with pytest.raises(ReferralRefused):
        do_update_referral_status(viewer, referral.pk, "in_progress")  # from sent
    do_update_referral_status(viewer, referral.pk, "declined")
    with pytest.raises(ReferralRefused):
        do_update_referral_status(viewer, referral.pk, "received")
    with pytest.raises(ReferralRefused):
        do_answer_referral(viewer, referral.pk, "   ")


def test_staff_viewers_never_load_referrals_as_a_partner(
    referred: Callable[..., Referral], viewers: dict[str, Viewer]
) -> None:
    referral = referred(["redacted_content"])
    for persona in ("officer", "protection", "manager"):
        with pytest.raises(Http404):
            do_update_referral_status(viewers[persona], referral.pk, "received")


def test_the_queue_costs_the_same_queries_whatever_its_length(
    referred: Callable[..., Referral],
    make_ready: Callable[..., Feedback],
    viewers: dict[str, Viewer],
    client_as: Callable[[str], Client],
) -> None:
    referral = referred(["redacted_content", "content"])
    client = client_as("partner")
    url = reverse("triage:partner_queue", args=[referral.project.slug])
    client.get(url)  # sessions, keys: warm

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    one = count()
    # Session and user, project, membership, partner link (the screen's), the partner's
    # agreements in force (their categories), the page and its count, then the
    # disclosure log: audit head, events and log lines, twice (the listing, and the
    # original message's reveals).
    assert one == QUEUE_QUERIES[connection.vendor]
    for n in range(4):
        record = make_ready(f"another case {n}")
        do_refer_feedback(viewers["officer"], record.pk, referral.agreement_id, "")
    assert count() == one


def test_a_linked_partner_user_lands_on_their_referrals(
    partner: object, client_as: Callable[[str], Client], project: Project
) -> None:
    response = client_as("partner").get(reverse("project_home", args=[project.slug]))
    assert response.status_code == 302
    assert response["Location"] == reverse("triage:partner_queue", args=[project.slug])
