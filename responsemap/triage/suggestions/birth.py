"""A suggestion for every record at its birth: called once per batch by
``triage.actions.do_create_feedback_batch``, on the records built and not yet inserted,
before the rules (so the response-time target follows a raised urgency).

Nothing of the suggestion is applied to the record's codes: a person decides
(``actions``). The exceptions, each at its own bar (``bars``):

- urgent above the **alert bar** (``Suggested.alert``): urgency to at least "high" (the
  inbox's "most urgent first" puts it on top) and an alert after commit
  (``alerts.tasks.raise_alerts``, cause "suggest"; a record a rule alerted on already is
  alerted once: alerts are unique per record). Urgent above the show bar only: shown to
  staff as "possibly urgent", nothing raised, nobody alerted;
- a **protection case** (``Suggested.protection``, at the protection bar): the record is
  made protection-sensitive (hidden from all but protection roles, "to confirm" by them,
  as a protection rule does); alerted only if also urgent above the alert bar;
- one ``suggestion.raise`` event per record raised, naming the fields raised.

Cost per batch: one query for the projects' model versions, one for each project's
coding framework; the model scores the batch at once (thousands a second on one core).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from responsemap.lib import rawsql
from responsemap.protection.audit import EventSpec, record_events
from responsemap.triage.alerts.models import Alert
from responsemap.triage.alerts.tasks import raise_alerts
from responsemap.triage.choices import FeedbackType, Sector, Sensitivity, Urgency
from responsemap.triage.coding.framework import load_framework
from responsemap.triage.coding.models import Kind
from responsemap.triage.models import Feedback
from responsemap.triage.rules.choices import SensitivityReview
from responsemap.triage.suggestions.loading import suggesters_for
from responsemap.triage.suggestions.model import Suggested
from responsemap.triage.suggestions.models import Suggestion

RAISED_URGENCY = Urgency.HIGH
_ORDER = {u: n for n, u in enumerate([Urgency.LOW, Urgency.NORMAL, Urgency.HIGH, Urgency.CRITICAL])}
NOT_SUGGESTED = {Kind.TYPE.value: FeedbackType.UNCODED, Kind.SECTOR.value: Sector.UNCODED}


def allowed_codes(project_id: str) -> dict[str, list[str]]:
    """The codes a project's suggestions may take: its active type and sector codes."""
    framework = load_framework(project_id)
    return {
        kind.value: [
            e.code for e in framework.of(kind) if not e.retired and e.code != NOT_SUGGESTED[kind]
        ]
        for kind in (Kind.TYPE, Kind.SECTOR)
    }


def suggest_for_records(
    records: Sequence[Feedback], texts: Sequence[str]
) -> list[tuple[Suggested, str]]:
    """Each record's suggestion and the model's name, in order."""
    by_project: dict[str, list[int]] = defaultdict(list)
    for n, record in enumerate(records):
        by_project[str(record.project_id)].append(n)
    models = suggesters_for(by_project)
    found: list[tuple[Suggested, str] | None] = [None] * len(records)
    for project_id, positions in by_project.items():
        name, suggester = models[project_id]
        suggested = suggester.suggest(
            [texts[n] for n in positions], allowed=allowed_codes(project_id)
        )
        for n, one in zip(positions, suggested, strict=True):
            found[n] = (one, name)
    return [f for f in found if f is not None]


def suggest_at_birth(records: Sequence[Feedback], texts: Sequence[str]) -> list[Suggestion]:
    """Suggestions for ``records`` (built, not inserted; ``texts`` their plain text),
    unsaved; urgent and protection ones raise their record (see the module's doc)."""
    if not records or not settings.RESPONSEMAP_SUGGESTIONS_AT_BIRTH:
        return []
    now = timezone.now()
    made: list[Suggestion] = []
    raised_fields: dict[str, list[str]] = {}
    for record, (suggested, name) in zip(records, suggest_for_records(records, texts), strict=True):
        raised = suggested.alert or suggested.protection
        if raised:
            changed = []
            if suggested.alert and _ORDER.get(Urgency(record.urgency), 1) < _ORDER[RAISED_URGENCY]:
                record.urgency = RAISED_URGENCY
                changed.append("urgency")
            if suggested.protection and record.sensitivity != Sensitivity.SENSITIVE:
                record.sensitivity = Sensitivity.SENSITIVE
                record.sensitivity_review = SensitivityReview.TO_CONFIRM
                changed.append("sensitivity")
            if changed:
                raised_fields[str(record.pk)] = changed
        made.append(
            Suggestion(
                feedback=record,
                project_id=record.project_id,
                type_code=suggested.type_code,
                type_confidence=suggested.type_confidence,
                sector=suggested.sector,
                sector_confidence=suggested.sector_confidence,
                urgent=suggested.urgent,
                urgent_confidence=suggested.urgent_confidence,
                protection=suggested.protection,
                protection_confidence=suggested.protection_confidence,
                cues=list(suggested.cues),
                model=name,
                raised=raised,
                alerted=suggested.alert,
                created_at=now,
            )
        )
    for suggestion in made:
        suggestion._raised_fields = raised_fields.get(str(suggestion.feedback_id), [])  # type: ignore[attr-defined]
    return made


def store_suggestions(suggestions: Sequence[Suggestion]) -> None:
    """Insert the suggestions (their records inserted already), audit the raises, and
    alert after commit on the records urgent above the alert bar."""
    if not suggestions:
        return
    # Plain SQL (``lib.rawsql``), as the records themselves: the ORM's compiler cost
    # more than the insert, thousands of rows a minute from the worker and imports.
    rawsql.insert_objects(suggestions)
    events = [
        _raise_event(s.feedback, fields)
        for s in suggestions
        if (fields := getattr(s, "_raised_fields", []))
    ]
    if events:
        record_events(events)
    urgent = [str(s.feedback_id) for s in suggestions if s.alerted]
    if urgent:
        transaction.on_commit(lambda: _enqueue_alerts(urgent))


def _enqueue_alerts(feedback_ids: list[str]) -> None:
    cause = Alert.Cause.SUGGESTION.value
    raise_alerts.enqueue([[feedback_id, cause, []] for feedback_id in feedback_ids])


def _raise_event(record: Feedback, fields: list[str]) -> EventSpec:
    return EventSpec(
        "suggestion.raise",
        project_id=record.project_id,
        actor=None,
        object_type="feedback",
        object_id=record.pk,
        fields=fields,
        purpose="suggestion",
    )
