"""Reading suggestions: a record's (or a page's) suggestion in words for the record page
and the inbox, and the agreement report (suggested vs decided, per week).

Cards are plain values, never model rows: codes as the project's labels, confidences as
whole percentages, cue kinds in words."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, F, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from responsemap.triage.choices import FeedbackType, Urgency
from responsemap.triage.coding.framework import framework_for
from responsemap.triage.coding.models import Kind
from responsemap.triage.models import Feedback
from responsemap.triage.suggestions.models import Decision, ProjectModel, Suggestion

CUE_WORDS = {
    "exploitation": _("signs of sexual exploitation"),
    "violence": _("violence or a threat"),
    "missing_child": _("a missing child"),
    "medical": _("a medical emergency"),
    "danger": _("a danger (fire, flood, collapse)"),
    "protection": _("a protection risk"),
    "keyword": _("a protection keyword"),
}


@dataclass(frozen=True)
class SuggestionCard:
    type_code: str
    type_label: str
    sector: str
    sector_label: str
    urgent: bool
    protection: bool
    confidence: int  # percent: the weaker of type and sector
    type_confidence: int
    sector_confidence: int
    urgent_confidence: int
    protection_confidence: int
    cues: tuple[str, ...]  # in words
    raised: bool  # urgency and/or sensitivity raised at birth
    alerted: bool  # urgent above the alert bar: raised and alerted on
    decision: str
    decision_label: str
    # The record holds the suggested codes already (nothing to accept).
    matches_record: bool


def _percent(value: float) -> int:
    return round(100 * value)


def _card(suggestion: Suggestion, record: Feedback) -> SuggestionCard:
    framework = framework_for(str(suggestion.project_id))
    return SuggestionCard(
        type_code=suggestion.type_code,
        type_label=framework.label(Kind.TYPE, suggestion.type_code),
        sector=suggestion.sector,
        sector_label=framework.label(Kind.SECTOR, suggestion.sector),
        urgent=suggestion.urgent,
        protection=suggestion.protection,
        confidence=_percent(min(suggestion.type_confidence, suggestion.sector_confidence)),
        type_confidence=_percent(suggestion.type_confidence),
        sector_confidence=_percent(suggestion.sector_confidence),
        urgent_confidence=_percent(suggestion.urgent_confidence),
        protection_confidence=_percent(suggestion.protection_confidence),
        cues=tuple(str(CUE_WORDS[c]) for c in suggestion.cues if c in CUE_WORDS),
        raised=suggestion.raised,
        alerted=suggestion.alerted,
        decision=suggestion.decision,
        decision_label=str(Decision(suggestion.decision).label),
        matches_record=(record.type_code, record.sector)
        == (suggestion.type_code, suggestion.sector),
    )


def card_for(record: Feedback) -> SuggestionCard | None:
    """The suggestion of a record the caller loaded through ``access_feedback``."""
    suggestion = Suggestion.objects.filter(feedback_id=record.pk).first()
    return _card(suggestion, record) if suggestion else None


def cards_for(records: Sequence[Feedback]) -> dict[str, SuggestionCard]:
    """Record id → its suggestion's card, for a page of records the caller loaded
    through ``visible_to`` (one query)."""
    by_id = {str(r.pk): r for r in records}
    if not by_id:
        return {}
    found = Suggestion.objects.filter(feedback_id__in=list(by_id))
    return {str(s.feedback_id): _card(s, by_id[str(s.feedback_id)]) for s in found}


@dataclass(frozen=True)
class WeekRow:
    week: date
    suggested: int
    coded: int  # records a person has coded since
    type_agreed: int | None  # percent of the coded; None when none is
    sector_agreed: int | None
    accepted: int
    changed: int
    raised: int  # alerted on: urgent above the alert bar
    raised_kept: int  # of those, decided by a person and left urgent


REPORT_WEEKS = 52


def agreement_by_week(project_id: uuid.UUID | str, *, now: datetime | None = None) -> list[WeekRow]:
    """The last ``REPORT_WEEKS`` weeks with suggestions, newest first: one aggregate
    query. A suggestion agrees when the record's code, as a person left it, is the one
    suggested."""
    since = (now or timezone.now()) - timedelta(weeks=REPORT_WEEKS)
    coded = ~Q(feedback__type_code=FeedbackType.UNCODED)
    rows = (
        Suggestion.objects.filter(project_id=project_id, created_at__gte=since)
        .annotate(week=TruncWeek("created_at"))
        .values("week")
        .annotate(
            n_suggested=Count("pk"),
            n_coded=Count("pk", filter=coded),
            n_type_agreed=Count("pk", filter=coded & Q(feedback__type_code=F("type_code"))),
            n_sector_agreed=Count("pk", filter=coded & Q(feedback__sector=F("sector"))),
            n_accepted=Count("pk", filter=Q(decision=Decision.ACCEPTED)),
            n_changed=Count("pk", filter=Q(decision=Decision.CHANGED)),
            n_raised=Count("pk", filter=Q(alerted=True)),
            n_raised_kept=Count(
                "pk",
                filter=Q(alerted=True)
                & ~Q(decision=Decision.PENDING)
                & Q(feedback__urgency__in=[Urgency.HIGH, Urgency.CRITICAL]),
            ),
        )
        .order_by("-week")
    )
    return [
        WeekRow(
            week=_as_date(row["week"]),
            suggested=row["n_suggested"],
            coded=row["n_coded"],
            type_agreed=_share(row["n_type_agreed"], row["n_coded"]),
            sector_agreed=_share(row["n_sector_agreed"], row["n_coded"]),
            accepted=row["n_accepted"],
            changed=row["n_changed"],
            raised=row["n_raised"],
            raised_kept=row["n_raised_kept"],
        )
        for row in rows
    ]


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _share(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


@dataclass(frozen=True)
class ModelInfo:
    version: int | None  # None: the shipped model
    trained_at: datetime | None
    project_examples: int


def model_info(project_id: uuid.UUID | str) -> ModelInfo:
    row = (
        ProjectModel.objects.filter(project_id=project_id)
        .order_by("-version")
        .values("version", "trained_at", "project_examples")
        .first()
    )
    if row is None:
        return ModelInfo(None, None, 0)
    return ModelInfo(row["version"], row["trained_at"], row["project_examples"])
