"""present() per role: each field shown, masked or revealable as the catalogue says."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied

from responsemap.accounts.models import User
from responsemap.accounts.queries import viewer_for
from responsemap.projects.models import Project
from responsemap.protection.models import AuditEvent
from responsemap.protection.present import present, present_many
from responsemap.triage.models import Feedback

pytestmark = pytest.mark.django_db

# persona → (content revealable, demographics visible)
EXPECTED = {
    "officer": (True, True),
    "protection": (True, True),
    "manager": (False, True),
    "operator": (False, False),
}


@pytest.mark.parametrize(("persona", "expected"), EXPECTED.items())
def test_fields_per_role(
    personas: dict[str, User],
    project: Project,
    make_feedback: Callable[..., Feedback],
    persona: str,
    expected: tuple[bool, bool],
) -> None:
    record = make_feedback("Sekrè", gender="female")
    viewer = viewer_for(personas[persona], project.pk)
    assert viewer is not None
    shown = present(record, viewer, "test")
    revealable, demographics = expected
    assert shown["content"].masked
    assert shown["content"].revealable == revealable
    assert shown["gender"].masked != demographics
    assert shown["source"].value == "SMS"
    assert "Sekrè" not in str(shown)
    assert not AuditEvent.objects.filter(action="field.reveal").exists()


def test_reveal_needs_permission_and_reason(
    personas: dict[str, User], project: Project, make_feedback: Callable[..., Feedback]
) -> None:
    record = make_feedback("Sekrè")
    officer = viewer_for(personas["officer"], project.pk)
    manager = viewer_for(personas["manager"], project.pk)
    assert officer is not None
    assert manager is not None
    with pytest.raises(PermissionDenied):
        present(record, officer, "test", reveal=["content"])  # no reason
    with pytest.raises(PermissionDenied):
        present(record, manager, "test", reveal=["content"], reason="curious")
    assert AuditEvent.objects.filter(action="field.reveal_denied").count() == 1
    shown = present(record, officer, "test", reveal=["content"], reason="follow-up")
    assert shown["content"].value == "Sekrè"
    assert AuditEvent.objects.get(action="field.reveal").fields == ["content"]


def test_present_many_audits_each_record_once(
    personas: dict[str, User], project: Project, make_feedback: Callable[..., Feedback]
) -> None:
    records = [make_feedback(f"m{n}") for n in range(5)]
    officer = viewer_for(personas["officer"], project.pk)
    assert officer is not None
    shown = present_many(records, officer, "export", reveal=["content"], reason="report")
    assert [s["content"].value for s in shown] == [f"m{n}" for n in range(5)]
    ids = set(AuditEvent.objects.filter(action="field.reveal").values_list("object_id", flat=True))
    assert ids == {str(r.pk) for r in records}
