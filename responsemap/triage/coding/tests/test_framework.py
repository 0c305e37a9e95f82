"""Issue 10, point 1: a coding framework per project (defaults, add, labels, order,
retire), on the forms, the imports and every screen that shows a code."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from responsemap.accounts.models import User
from responsemap.accounts.queries import viewer_for
from responsemap.imports.feedback_rows import FeedbackRowSink
from responsemap.projects.models import Project
from responsemap.protection.models import AuditEvent
from responsemap.protection.present import present
from responsemap.protection.viewer import Viewer
from responsemap.triage.choices import FeedbackType, Sector
from responsemap.triage.coding.actions import (
    CodingRefused,
    do_add_code,
    do_change_code,
    do_move_code,
    do_retire_code,
)
from responsemap.triage.coding.framework import load_framework
from responsemap.triage.coding.models import Code, Kind
from responsemap.triage.forms import HotlineForm, InboxFilterForm
from responsemap.triage.models import Feedback

pytestmark = pytest.mark.django_db


def as_viewer(personas: dict[str, User], persona: str, project: Project) -> Viewer:
    viewer = viewer_for(personas[persona], project.pk)
    assert viewer is not None
    return viewer


def test_a_project_starts_from_the_defaults_with_nothing_stored(project: Project) -> None:
    framework = load_framework(project.pk)
    assert not framework.stored
    assert [e.code for e in framework.of(Kind.TYPE)] == list(FeedbackType.values)
    assert [e.code for e in framework.of(Kind.SECTOR)] == list(Sector.values)
    assert framework.of(Kind.TOPIC) == []
    with translation.override("fr"):
        assert framework.label(Kind.TYPE, "complaint") == str(FeedbackType.COMPLAINT.label)
    assert not Code.objects.filter(project=project).exists()


def test_adding_a_code_stores_the_framework_and_is_audited(
    personas: dict[str, User], project: Project, other_project: Project
) -> None:
    manager = as_viewer(personas, "manager", project)
    do_add_code(manager, Kind.TOPIC, "water-trucking", "Water trucking", {"fr": "Camion d'eau"})
    framework = load_framework(project.pk)
    assert framework.stored
    assert len(framework.of(Kind.TYPE)) == len(FeedbackType.values)  # defaults stored
    entry = framework.get(Kind.TOPIC, "water-trucking")
    assert entry is not None
    assert entry.name("en") == "Water trucking"
    assert entry.name("fr") == "Camion d'eau"
    assert entry.name("ar") == "Water trucking"  # no Arabic label: the default one
    assert load_framework(other_project.pk).get(Kind.TOPIC, "water-trucking") is None
    event = AuditEvent.objects.get(action="code.add")
    assert event.project_id == project.pk
    assert event.purpose == "topic:water-trucking"


def test_codes_are_stable_slugs_unique_per_list(
    personas: dict[str, User], project: Project
) -> None:
    manager = as_viewer(personas, "manager", project)
    do_add_code(manager, Kind.TYPE, "feedback-loop", "Feedback on feedback")
    with pytest.raises(CodingRefused, match="never reused"):
        do_add_code(manager, Kind.TYPE, "feedback-loop", "Again")
    with pytest.raises(CodingRefused, match="no spaces"):
        do_add_code(manager, Kind.TYPE, "two words", "Two words")
    with pytest.raises(CodingRefused, match="no spaces"):
        do_add_code(manager, Kind.TYPE, "x" * 17, "Too long for the record's column")
    with pytest.raises(CodingRefused, match="needs a label"):
        do_add_code(manager, Kind.SECTOR, "logistics", "  ")
    do_add_code(manager, Kind.SECTOR, "feedback-loop", "Same code, another list")
    # A label changes; the code does not.
    do_change_code(manager, Kind.TYPE, "feedback-loop", "Meta feedback", {"fr": "Méta"})
    entry = load_framework(project.pk).get(Kind.TYPE, "feedback-loop")
    assert entry is not None
    assert entry.name("en") == "Meta feedback"
    assert entry.name("fr") == "Méta"
    with pytest.raises(CodingRefused, match="needs a label"):
        do_change_code(manager, Kind.TYPE, "feedback-loop", "")
    # A default code may go back to its built-in, translated label.
    do_change_code(manager, Kind.TYPE, "complaint", "Grievance")
    assert load_framework(project.pk).label(Kind.TYPE, "complaint") == "Grievance"
    do_change_code(manager, Kind.TYPE, "complaint", "")
    with translation.override("fr"):
        assert load_framework(project.pk).label(Kind.TYPE, "complaint") == str(
            FeedbackType.COMPLAINT.label
        )


def test_a_retired_code_is_not_offered_but_still_shown(
    personas: dict[str, User], project: Project, make_feedback: Callable[..., Feedback]
) -> None:
    manager = as_viewer(personas, "manager", project)
    record = make_feedback(type_code="rumour", sector="cash")
    do_retire_code(manager, Kind.TYPE, "rumour")
    hotline = HotlineForm(project=project)
    offered = [code for code, _label in hotline.fields["type_code"].choices]  # type: ignore[attr-defined]
    assert "rumour" not in offered
    assert "complaint" in offered
    # The inbox filter still finds records with it.
    inbox = InboxFilterForm(project=project, can_see_sensitive=False)
    assert "rumour" in [c for c, _l in inbox.fields["type_code"].choices]  # type: ignore[attr-defined]
    # Records keep it, and show its label, marked retired.
    record.refresh_from_db()
    assert record.type_code == "rumour"
    with translation.override("en"):
        shown = present(record, as_viewer(personas, "officer", project), "test")
    assert shown["type_code"].value == "Rumour / misinformation (retired)"
    assert shown["type_code"].code == "rumour"
    assert AuditEvent.objects.filter(action="code.retire").count() == 1
    # Brought back: offered again.
    do_retire_code(manager, Kind.TYPE, "rumour", retire=False)
    hotline = HotlineForm(project=project)
    assert "rumour" in [c for c, _l in hotline.fields["type_code"].choices]  # type: ignore[attr-defined]
    assert AuditEvent.objects.filter(action="code.unretire").count() == 1


def test_the_fixed_codes_cannot_be_retired(personas: dict[str, User], project: Project) -> None:
    manager = as_viewer(personas, "manager", project)
    for kind, code in [
        (Kind.TYPE, "protection"),
        (Kind.TYPE, "uncoded"),
        (Kind.SECTOR, "protection"),
        (Kind.SECTOR, "uncoded"),
    ]:
        with pytest.raises(CodingRefused, match="can't be retired"):
            do_retire_code(manager, kind, code)
    assert not Code.objects.filter(project=project, retired_at__isnull=False).exists()
    assert not AuditEvent.objects.filter(action="code.retire").exists()


def test_codes_are_reordered(personas: dict[str, User], project: Project) -> None:
    manager = as_viewer(personas, "manager", project)
    before = [e.code for e in load_framework(project.pk).of(Kind.SECTOR)]
    do_move_code(manager, Kind.SECTOR, "health", up=True)
    after = [e.code for e in load_framework(project.pk).of(Kind.SECTOR)]
    n = before.index("health")
    assert after[n - 1 : n + 1] == ["health", before[n - 1]]
    do_move_code(manager, Kind.SECTOR, "health", up=False)
    assert [e.code for e in load_framework(project.pk).of(Kind.SECTOR)] == before
    do_move_code(manager, Kind.SECTOR, before[0], up=True)  # first already: nothing moves
    assert [e.code for e in load_framework(project.pk).of(Kind.SECTOR)] == before
    assert AuditEvent.objects.filter(action="code.move").count() == 2


@pytest.mark.parametrize("persona", ["operator", "officer", "protection", "partner", "donor"])
def test_only_a_manager_changes_the_framework(
    personas: dict[str, User], project: Project, persona: str
) -> None:
    viewer = as_viewer(personas, persona, project)
    with pytest.raises(PermissionDenied):
        do_add_code(viewer, Kind.TOPIC, "roads", "Roads")
    with pytest.raises(PermissionDenied):
        do_change_code(viewer, Kind.TYPE, "complaint", "Grievance")
    with pytest.raises(PermissionDenied):
        do_retire_code(viewer, Kind.TYPE, "rumour")
    with pytest.raises(PermissionDenied):
        do_move_code(viewer, Kind.TYPE, "rumour", up=True)
    assert not Code.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="code.").exists()


def test_the_hotline_form_accepts_a_new_code_and_refuses_a_retired_one(
    personas: dict[str, User], project: Project
) -> None:
    manager = as_viewer(personas, "manager", project)
    do_add_code(manager, Kind.TYPE, "feedback-loop", "Feedback on feedback")
    do_retire_code(manager, Kind.SECTOR, "cash")
    data = {
        "consent": "not_asked",
        "language": "fr",
        "content": "Kesyon sou distribisyon an",
        "type_code": "feedback-loop",
        "sector": "food",
        "urgency": "normal",
        "gender": "unknown",
        "age_band": "unknown",
        "disability": "unknown",
        "displacement": "unknown",
    }
    form = HotlineForm(data, project=project)
    form.is_valid()
    assert "type_code" not in form.errors
    assert "sector" not in form.errors
    form = HotlineForm({**data, "sector": "cash"}, project=project)
    assert not form.is_valid()
    assert "sector" in form.errors


def test_an_import_reads_the_project_codes(personas: dict[str, User], project: Project) -> None:
    manager = as_viewer(personas, "manager", project)
    do_add_code(manager, Kind.SECTOR, "logistics", "Logistics", {"fr": "Logistique"})
    do_retire_code(manager, Kind.SECTOR, "cash")
    sink = FeedbackRowSink(project)
    assert sink.code("sector", "Logistique") == "logistics"
    assert sink.code("sector", "logistics") == "logistics"
    assert sink.code("sector", "Water") == "wash"  # the import's own words still work
    assert sink.code("sector", "cash") is None  # retired: refused like an unknown code
    assert sink.code("sector", "cva") is None
    assert sink.code("type_code", "Plainte") == "complaint"  # a built-in label in French
