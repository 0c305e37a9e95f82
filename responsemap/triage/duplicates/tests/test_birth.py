"""Issue 10, point 9: duplicates, rumour groups and spam flags found as records are born."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from responsemap.projects.models import Project
from responsemap.protection.models import AuditEvent
from responsemap.triage.actions import NewFeedback, do_create_feedback_batch
from responsemap.triage.duplicates.models import (
    DuplicateLink,
    DuplicatePolicy,
    LinkKind,
    RumourMember,
    SenderBlock,
    SpamMark,
    SpamReason,
    TextSignature,
)
from responsemap.triage.duplicates.similarity import band_keys, signature, similarity
from responsemap.triage.models import Feedback

pytestmark = pytest.mark.django_db

TEXT = "The water point in camp Zephyrine has been broken since Monday, nobody came to fix it"
AGAIN = "the water point in camp zephyrine has been broken since monday, nobody came to fix it!!"
OTHER = "We need blankets for the children sleeping at the Quillbrook school"
PHONE_A = "+50937000101"
PHONE_B = "+50937000202"


def born(project: Project, content: str, phone: str = "", hours_ago: float = 0) -> Feedback:
    return do_create_feedback_batch(
        project,
        [
            NewFeedback(
                source="sms",
                content=content,
                phone=phone,
                consent_given=True if phone else None,
                received_at=timezone.now() - timedelta(hours=hours_ago),
            )
        ],
        None,
    )[0]


def current_link(record: Feedback) -> DuplicateLink | None:
    return DuplicateLink.objects.filter(duplicate=record, ended_at__isnull=True).first()


def test_signatures_estimate_words_in_common_and_say_nothing_in_clear(project: Project) -> None:
    one, again, other = (signature(project.pk, t) for t in (TEXT, AGAIN, OTHER))
    assert len(one) == 16 * 8
    assert similarity(one, again) == 1.0  # same words, case and punctuation aside
    assert similarity(one, other) < 0.2
    assert set(band_keys(one)) == set(band_keys(again))
    assert b"water" not in one
    assert b"camp" not in one
    assert signature(project.pk, "") == b""
    assert similarity(b"", one) == 0.0


def test_same_sender_similar_text_within_the_window_is_linked_at_birth(project: Project) -> None:
    first = born(project, TEXT, PHONE_A, hours_ago=5)
    second = born(project, AGAIN, PHONE_A)
    link = current_link(second)
    assert link is not None
    assert (link.original_id, link.kind) == (first.pk, LinkKind.BIRTH)
    assert link.similarity == pytest.approx(1.0)
    assert current_link(first) is None
    event = AuditEvent.objects.get(action="duplicate.link", object_id=str(second.pk))
    assert event.purpose == "birth"
    # A third copy links to the first of the chain, never to a duplicate.
    third = born(project, TEXT, PHONE_A)
    assert current_link(third).original_id == first.pk  # type: ignore[union-attr]
    # Not grouped as a rumour: one sender.
    assert not RumourMember.objects.exists()


def test_outside_the_window_or_different_text_is_not_linked(project: Project) -> None:
    born(project, TEXT, PHONE_A, hours_ago=49)
    late = born(project, AGAIN, PHONE_A)
    assert current_link(late) is None
    different = born(project, OTHER, PHONE_A)
    assert current_link(different) is None


def test_the_window_is_a_project_setting(project: Project) -> None:
    DuplicatePolicy.objects.create(project=project, window_hours=72)
    first = born(project, TEXT, PHONE_A, hours_ago=60)
    assert current_link(born(project, AGAIN, PHONE_A)).original_id == first.pk  # type: ignore[union-attr]


def test_different_senders_are_not_linked_but_grouped(project: Project) -> None:
    first = born(project, TEXT, PHONE_A, hours_ago=3)
    second = born(project, AGAIN, PHONE_B, hours_ago=2)
    anonymous = born(project, TEXT)
    assert not DuplicateLink.objects.exists()
    members = dict(RumourMember.objects.values_list("feedback_id", "group_id"))
    assert set(members) == {first.pk, second.pk, anonymous.pk}
    assert len(set(members.values())) == 1
    # One event per group per batch: the group made by the second, joined by the third.
    group_id = str(next(iter(members.values())))
    assert AuditEvent.objects.filter(action="rumour.add", object_id=group_id).count() == 2
    unrelated = born(project, OTHER, PHONE_B)
    assert not RumourMember.objects.filter(feedback=unrelated).exists()


def test_within_one_batch_records_are_compared_with_each_other(project: Project) -> None:
    now = timezone.now()
    items = [
        NewFeedback(source="sms", content=t, phone=p, consent_given=True, received_at=now + d)
        for t, p, d in [
            (TEXT, PHONE_A, timedelta(0)),
            (AGAIN, PHONE_A, timedelta(minutes=1)),
            (AGAIN, PHONE_B, timedelta(minutes=2)),
        ]
    ]
    first, second, third = do_create_feedback_batch(project, items, None)
    assert current_link(second).original_id == first.pk  # type: ignore[union-attr]
    assert current_link(third) is None
    assert RumourMember.objects.filter(feedback__in=[first, third]).count() == 2


def test_another_project_is_never_compared(project: Project, other_project: Project) -> None:
    born(other_project, TEXT, PHONE_A, hours_ago=1)
    mine = born(project, AGAIN, PHONE_A)
    assert current_link(mine) is None
    assert not RumourMember.objects.exists()


def test_more_than_n_messages_in_m_minutes_is_spam(project: Project) -> None:
    DuplicatePolicy.objects.create(project=project, rate_messages=3, rate_minutes=10)
    records = [born(project, f"message number {n} about topic {n * 7}", PHONE_A) for n in range(4)]
    marks = dict(SpamMark.objects.values_list("feedback_id", "reason"))
    assert marks == {records[3].pk: SpamReason.RATE}
    # Another sender is not held back by the first one's rate.
    assert not SpamMark.objects.filter(feedback=born(project, "hello there", PHONE_B)).exists()
    assert AuditEvent.objects.filter(action="feedback.mark_spam", purpose="rate").count() == 1


def test_a_blocked_sender_is_flagged_at_birth(project: Project) -> None:
    first = born(project, TEXT, PHONE_A)
    assert first.contact is not None
    SenderBlock.objects.create(
        project=project, sender_index=first.contact.phone_index, created_at=timezone.now()
    )
    later = born(project, OTHER, PHONE_A)
    assert SpamMark.objects.get(feedback=later).reason == SpamReason.BLOCKED
    assert not SpamMark.objects.filter(feedback=born(project, OTHER, PHONE_B)).exists()


def test_a_batch_costs_the_same_number_of_queries_whatever_its_size(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One lookup per batch, not per record: the birth step's statements are the same
    for 3 records and for 12 (up to 100 band rows, one insert statement)."""
    from responsemap.triage import actions
    from responsemap.triage.duplicates.actions import birth

    counts: list[int] = []

    def counted(
        records: list[Feedback], texts: list[str], tokens: list[list[int] | None] | None = None
    ) -> None:
        with CaptureQueriesContext(connection) as ctx:
            birth.do_link_at_birth(records, texts, tokens)
        counts.append(len(ctx.captured_queries))

    monkeypatch.setattr(actions, "do_link_at_birth", counted)
    born(project, TEXT, PHONE_A, hours_ago=1)
    born(project, AGAIN, PHONE_B, hours_ago=1)  # a group exists

    def batch(n: int, text: str) -> None:
        start = TextSignature.objects.count()  # new senders each batch
        items = [
            NewFeedback(
                source="sms",
                content=f"{text} {k}" if text else f"{secrets.token_hex(6)} {secrets.token_hex(6)}",
                phone=f"+509370{start + k:05d}",
                consent_given=True,
            )
            for k in range(n)
        ]
        do_create_feedback_batch(project, items, None, redact_now=True)

    counts.clear()
    batch(3, "")  # nothing alike: signatures and bands only
    batch(12, "")
    batch(3, TEXT)  # each joins the group of the first two: members and events too
    batch(12, AGAIN)
    assert counts[0] == counts[1]
    assert counts[2] == counts[3]
    assert TextSignature.objects.count() == 2 + 30
