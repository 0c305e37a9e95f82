"""Issue 10, point 9: linking, unlinking, merging, rumour groups and spam by hand."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.http import Http404

from responsemap.accounts.models import User
from responsemap.accounts.queries import viewer_for
from responsemap.projects.models import Project
from responsemap.protection.models import AuditEvent
from responsemap.protection.viewer import Viewer
from responsemap.triage.choices import Sensitivity, Status
from responsemap.triage.duplicates.actions import (
    DuplicateRefused,
    do_add_to_group,
    do_block_sender,
    do_link_duplicate,
    do_mark_spam,
    do_merge,
    do_remove_from_group,
    do_unblock_sender,
    do_unlink,
    do_unmark_spam,
)
from responsemap.triage.duplicates.models import (
    DuplicateLink,
    LinkKind,
    RumourMember,
    SenderBlock,
    SpamMark,
    SpamReason,
)
from responsemap.triage.duplicates.queries import not_spam_q
from responsemap.triage.models import Feedback

pytestmark = pytest.mark.django_db
Make = Callable[..., Feedback]


def as_viewer(personas: dict[str, User], persona: str, project: Project) -> Viewer:
    viewer = viewer_for(personas[persona], project.pk)
    assert viewer is not None
    return viewer


def actions_on(record: Feedback) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_id=str(record.pk))
        .exclude(action="feedback.create")
        .order_by("seq")
        .values_list("action", flat=True)
    )


def test_link_then_unlink_keeps_the_history(
    personas: dict[str, User], project: Project, make_feedback: Make
) -> None:
    officer = as_viewer(personas, "officer", project)
    first, second = make_feedback("Road to Zebulon flooded"), make_feedback("Kitchen fire at site")
    link = do_link_duplicate(officer, second.pk, first.reference.lower().replace("-", ""))
    assert (link.original_id, link.kind, link.created_by_id) == (
        first.pk,
        LinkKind.HAND,
        officer.user_id,
    )
    assert actions_on(second) == ["duplicate.link"]
    assert actions_on(first) == ["duplicate.link"]
    with pytest.raises(DuplicateRefused):
        do_link_duplicate(officer, second.pk, first.reference)  # linked already
    with pytest.raises(DuplicateRefused):
        do_link_duplicate(officer, first.pk, second.reference)  # would be a cycle
    with pytest.raises(DuplicateRefused):
        do_link_duplicate(officer, first.pk, first.reference)
    do_unlink(officer, second.pk)
    ended = DuplicateLink.objects.get(pk=link.pk)
    assert ended.ended_at is not None
    assert ended.ended_by_id == officer.user_id
    assert actions_on(second) == ["duplicate.link", "duplicate.unlink"]
    with pytest.raises(DuplicateRefused):
        do_unlink(officer, second.pk)
    # Linked again: a new link, the old one kept.
    do_link_duplicate(officer, second.pk, first.reference)
    assert DuplicateLink.objects.filter(duplicate=second).count() == 2


def test_merge_closes_the_merged_record_and_deletes_nothing(
    personas: dict[str, User], project: Project, make_feedback: Make
) -> None:
    officer = as_viewer(personas, "officer", project)
    kept, merged = make_feedback("Bridge down at Lumio"), make_feedback("No soap in the kits")
    do_merge(officer, merged.pk, kept.reference)
    merged.refresh_from_db()
    kept.refresh_from_db()
    assert merged.status == Status.CLOSED
    assert kept.status == Status.NEW
    assert Feedback.objects.filter(pk__in=[kept.pk, merged.pk]).count() == 2
    link = DuplicateLink.objects.get(duplicate=merged)
    assert (link.original_id, link.kind) == (kept.pk, LinkKind.MERGE)
    assert actions_on(merged) == ["feedback.change_status", "feedback.merge"]
    move = AuditEvent.objects.get(object_id=str(merged.pk), action="feedback.change_status")
    assert move.purpose == "new>closed"
    assert actions_on(kept) == ["feedback.merge"]


def test_a_record_the_person_may_not_see_cannot_be_named(
    personas: dict[str, User], project: Project, make_feedback: Make
) -> None:
    officer = as_viewer(personas, "officer", project)
    hidden = make_feedback("Protected case", sensitivity=Sensitivity.SENSITIVE)
    record = make_feedback("Ordinary")
    for act in (do_link_duplicate, do_merge, do_add_to_group):
        with pytest.raises(DuplicateRefused, match="No record you may work on"):
            act(officer, record.pk, hidden.reference)
    with pytest.raises(Http404):
        do_mark_spam(officer, hidden.pk)
    assert actions_on(record) == []
    assert actions_on(hidden) == []


def test_rumour_groups_by_hand(
    personas: dict[str, User], project: Project, make_feedback: Make
) -> None:
    officer = as_viewer(personas, "officer", project)
    a, b, c = (make_feedback(t) for t in ("Vaccine rumour one", "Another text", "Third one"))
    group = do_add_to_group(officer, b.pk, a.reference)
    do_add_to_group(officer, c.pk, b.reference)
    assert set(RumourMember.objects.filter(group=group).values_list("feedback_id", flat=True)) == {
        a.pk,
        b.pk,
        c.pk,
    }
    with pytest.raises(DuplicateRefused):
        do_add_to_group(officer, c.pk, a.reference)
    do_remove_from_group(officer, c.pk)
    assert RumourMember.objects.filter(group=group).count() == 2
    assert actions_on(c) == ["rumour.add", "rumour.remove"]
    with pytest.raises(DuplicateRefused):
        do_remove_from_group(officer, c.pk)


def test_spam_by_hand_and_the_block_list(
    personas: dict[str, User], project: Project, make_feedback: Make
) -> None:
    officer = as_viewer(personas, "officer", project)
    record = make_feedback("Buy cheap phones now", phone="+50937005555", consent_given=True)
    do_mark_spam(officer, record.pk)
    assert SpamMark.objects.get(feedback=record).reason == SpamReason.HAND
    assert not Feedback.objects.filter(not_spam_q(), pk=record.pk).exists()
    with pytest.raises(DuplicateRefused):
        do_mark_spam(officer, record.pk)
    do_unmark_spam(officer, record.pk)
    assert Feedback.objects.filter(not_spam_q(), pk=record.pk).exists()
    do_block_sender(officer, record.pk)
    block = SenderBlock.objects.get()
    assert record.contact is not None
    assert block.sender_index == record.contact.phone_index
    assert "+509" not in block.sender_index
    assert "37005555" not in block.sender_index
    assert SpamMark.objects.get(feedback=record).reason == SpamReason.BLOCKED
    later = make_feedback("Cheap phones again", phone="+50937005555", consent_given=True)
    assert SpamMark.objects.get(feedback=later).reason == SpamReason.BLOCKED
    with pytest.raises(DuplicateRefused):
        do_block_sender(officer, record.pk)
    do_unblock_sender(officer, record.pk)
    assert not SenderBlock.objects.exists()
    assert actions_on(record) == [
        "feedback.mark_spam",
        "feedback.unmark_spam",
        "sender.block",
        "feedback.mark_spam",
        "sender.unblock",
    ]
    anonymous = make_feedback("No sender")
    with pytest.raises(DuplicateRefused):
        do_block_sender(officer, anonymous.pk)


@pytest.mark.parametrize("persona", ["operator", "partner", "donor", "outsider"])
def test_roles_that_may_not_edit_change_nothing(
    persona: str, personas: dict[str, User], project: Project, make_feedback: Make
) -> None:
    first = make_feedback("One", phone="+50937006666", consent_given=True)
    second = make_feedback("Two")
    viewer = viewer_for(personas[persona], project.pk)
    if viewer is None:
        return  # not a member: nothing to call the actions with (the views give 404)
    before = AuditEvent.objects.count()
    calls: list[tuple[Callable[..., object], tuple[object, ...]]] = [
        (do_link_duplicate, (second.pk, first.reference)),
        (do_merge, (second.pk, first.reference)),
        (do_add_to_group, (second.pk, first.reference)),
        (do_unlink, (second.pk,)),
        (do_remove_from_group, (second.pk,)),
        (do_mark_spam, (first.pk,)),
        (do_unmark_spam, (first.pk,)),
        (do_block_sender, (first.pk,)),
        (do_unblock_sender, (first.pk,)),
    ]
    for act, args in calls:
        with pytest.raises(Http404):
            act(viewer, *args)
    assert AuditEvent.objects.count() == before
    assert not DuplicateLink.objects.exists()
    assert not SpamMark.objects.exists()
    assert not RumourMember.objects.exists()
    assert not SenderBlock.objects.exists()


def test_a_chain_to_a_record_the_person_may_not_see_is_refused_in_words(
    personas: dict[str, User], project: Project, make_feedback: Make
) -> None:
    protection = as_viewer(personas, "protection", project)
    officer = as_viewer(personas, "officer", project)
    hidden = make_feedback("Protected first report", sensitivity=Sensitivity.SENSITIVE)
    copy = make_feedback("A copy anyone may see")
    do_link_duplicate(protection, copy.pk, hidden.reference)
    other = make_feedback("Yet another record")
    with pytest.raises(DuplicateRefused, match="one you may not work on"):
        do_link_duplicate(officer, other.pk, copy.reference)
    assert actions_on(other) == []
