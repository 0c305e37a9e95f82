"""Issue 10, points 9 and 10: the screens of duplicates, rumour groups, spam and
verification against every persona; a denied attempt changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from responsemap.accounts.models import User
from responsemap.accounts.queries import viewer_for
from responsemap.projects.models import Project
from responsemap.protection.models import AuditEvent
from responsemap.triage.actions import NewFeedback, do_create_feedback_batch
from responsemap.triage.choices import Sensitivity
from responsemap.triage.duplicates.actions import do_add_to_group, do_link_duplicate
from responsemap.triage.duplicates.models import (
    DuplicateLink,
    RumourGroup,
    RumourMember,
    SenderBlock,
    SpamMark,
)
from responsemap.triage.models import Feedback
from responsemap.triage.verification.models import Verification, VerificationCheck

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]
Make = Callable[..., Feedback]
PERSONAS = ["operator", "officer", "protection", "manager", "partner", "donor", "outsider"]
EDITORS = {"officer", "protection", "manager"}
RUMOUR = "The Ostrava camp water is poisoned, do not drink it"


def _state() -> tuple[int, ...]:
    return (
        AuditEvent.objects.exclude(action__in=["feedback.view", "feedback.list"]).count(),
        DuplicateLink.objects.count(),
        RumourMember.objects.count(),
        SpamMark.objects.count(),
        SenderBlock.objects.count(),
        Verification.objects.count(),
        VerificationCheck.objects.count(),
    )


def _posts(slug: str, record: Feedback, other: Feedback) -> list[tuple[str, dict[str, str]]]:
    def url(name: str) -> str:
        return reverse(f"triage:{name}", args=[slug, record.pk])

    ref = {"reference": other.reference}
    return [
        (url("link_duplicate"), ref),
        (url("unlink_duplicate"), {}),
        (url("merge"), ref),
        (url("add_to_group"), ref),
        (url("remove_from_group"), {}),
        (url("mark_spam"), {}),
        (url("unmark_spam"), {}),
        (url("block_sender"), {}),
        (url("unblock_sender"), {}),
        (url("verify"), {"status": "verified", "sources_count": "2", "notes": "Seen by two"}),
        (url("check_item"), {"item": "source", "ticked": "on", "note": "Account checked"}),
    ]


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p not in EDITORS])
def test_denied_posts_are_404_and_change_nothing(
    persona: str, client_as: ClientFor, project: Project, make_feedback: Make
) -> None:
    record = make_feedback("A", source="social", phone="+50937001111", consent_given=True)
    other = make_feedback("B")
    client = client_as(persona)
    before = _state()
    for url, data in _posts(project.slug, record, other):
        assert client.post(url, data).status_code == 404, url
    assert _state() == before


def test_a_protected_record_is_404_for_an_officer_and_nothing_changes(
    client_as: ClientFor, project: Project, make_feedback: Make
) -> None:
    record = make_feedback("Protected", sensitivity=Sensitivity.SENSITIVE, source="social")
    other = make_feedback("Ordinary")
    client = client_as("officer")
    before = _state()
    for url, data in _posts(project.slug, record, other):
        assert client.post(url, data).status_code == 404, url
    assert client.get(reverse("triage:detail", args=[project.slug, record.pk])).status_code == 404
    assert _state() == before


@pytest.mark.parametrize("persona", sorted(EDITORS))
def test_editors_work_through_the_record_page(
    persona: str, client_as: ClientFor, project: Project, make_feedback: Make
) -> None:
    record = make_feedback("Zz one", source="social", phone="+50937002222", consent_given=True)
    other = make_feedback("Yy two")
    client = client_as(persona)
    for url, data in _posts(project.slug, record, other):
        response = client.post(url, data)
        assert response.status_code == 302, url
    verification = Verification.objects.get(feedback=record)
    assert (verification.status, verification.sources_count) == ("verified", 2)
    assert VerificationCheck.objects.get(feedback=record, item="source").ticked
    record.refresh_from_db()
    assert record.status == "closed"  # merged
    page = client.get(reverse("triage:detail", args=[project.slug, record.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Seen by two" in html
    assert "Account checked" in html
    assert "Verified" in html
    assert "Independent sources" in html
    assert "Provenance: is this the first post of it?" in html
    assert 'id="link-history"' in html  # the link ended before the merge is kept
    audit = client.get(reverse("triage:audit", args=[project.slug, record.pk])).content.decode()
    for words in (
        "Linked as a duplicate",
        "Records merged",
        "Flagged as spam",
        "Sender blocked",
        "Verification changed",
        "Verification checklist item changed",
    ):
        assert words in audit, words


def test_the_record_page_names_a_linked_record_only_to_those_who_may_see_it(
    client_as: ClientFor, personas: dict[str, User], project: Project, make_feedback: Make
) -> None:
    protection = viewer_for(personas["protection"], project.pk)
    assert protection is not None
    hidden = make_feedback("Protected original", sensitivity=Sensitivity.SENSITIVE)
    copy = make_feedback("A copy of it")
    do_link_duplicate(protection, copy.pk, hidden.reference)
    url = reverse("triage:detail", args=[project.slug, copy.pk])
    officer_page = client_as("officer").get(url).content.decode()
    assert hidden.reference not in officer_page
    assert "a record you may not see" in officer_page
    assert hidden.reference in client_as("protection").get(url).content.decode()


def redacted(project: Project, text: str, **fields: object) -> Feedback:
    """A record with its redacted copy and search tokens made at once, as the worker does."""
    item = NewFeedback(source="sms", content=text, **fields)  # type: ignore[arg-type]
    return do_create_feedback_batch(project, [item], None, redact_now=True)[0]


def _grouped(project: Project, make_feedback: Make, n: int) -> RumourGroup:
    now = timezone.now()
    records = [
        redacted(project, f"{RUMOUR} {k}", received_at=now - timedelta(minutes=k)) for k in range(n)
    ]
    members = RumourMember.objects.filter(feedback__in=records)
    assert members.count() == n  # grouped as they arrived (anonymous senders)
    return members.first().group  # type: ignore[union-attr]


@pytest.mark.parametrize("persona", PERSONAS)
def test_rumour_groups_list_per_persona(
    persona: str, client_as: ClientFor, project: Project, make_feedback: Make
) -> None:
    group = _grouped(project, make_feedback, 3)
    url = reverse("triage:rumour_groups", args=[project.slug])
    response = client_as(persona).get(url)
    if persona in {"operator", "partner", "donor", "outsider"}:
        assert response.status_code == 404
        detail = reverse("triage:rumour_group", args=[project.slug, group.pk])
        assert client_as(persona).get(detail).status_code == 404
        return
    html = response.content.decode()
    assert response.status_code == 200
    assert "3 messages" in html
    assert "Ostrava" in html  # the first member's redacted copy
    page = client_as(persona).get(reverse("triage:rumour_group", args=[project.slug, group.pk]))
    assert page.status_code == 200
    assert page.content.decode().count('dir="auto"') >= 3


def test_rumour_groups_filter_by_words_and_page(
    client_as: ClientFor, project: Project, make_feedback: Make
) -> None:
    _grouped(project, make_feedback, 2)
    redacted(project, "Cholera vaccine makes people sick, Zanzibar clinic")
    redacted(project, "cholera vaccine makes people sick zanzibar clinic!")
    url = reverse("triage:rumour_groups", args=[project.slug])
    client = client_as("officer")
    assert "2 groups" in client.get(url).content.decode()
    found = client.get(url, {"words": "zanzibar"}).content.decode()
    assert "1 group" in found
    assert "Cholera" in found
    assert "Ostrava" not in found
    assert "0 groups" in client.get(url, {"since": "2999-01-01"}).content.decode()


def test_the_rumour_groups_list_costs_the_same_queries_whatever_the_number(
    client_as: ClientFor,
    project: Project,
    make_feedback: Make,
) -> None:
    client = client_as("officer")
    url = reverse("triage:rumour_groups", args=[project.slug])
    _grouped(project, make_feedback, 2)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for text in (
        "The Lumio bridge collapsed this morning",
        "Cash cards stopped working at Pernal market",
        "Measles cases reported near Dovra school",
    ):
        make_feedback(text)
        make_feedback(text.upper() + "!")
    with CaptureQueriesContext(connection) as four:
        client.get(url)
    assert len(four.captured_queries) == len(one.captured_queries)
    assert RumourGroup.objects.count() == 4


def test_hand_grouping_is_shown_on_the_record(
    client_as: ClientFor, personas: dict[str, User], project: Project, make_feedback: Make
) -> None:
    officer = viewer_for(personas["officer"], project.pk)
    assert officer is not None
    a, b = make_feedback("First text"), make_feedback("Second unrelated text")
    group = do_add_to_group(officer, b.pk, a.reference)
    html = client_as("officer").get(reverse("triage:detail", args=[project.slug, a.pk])).content
    assert reverse("triage:rumour_group", args=[project.slug, group.pk]).encode() in html
