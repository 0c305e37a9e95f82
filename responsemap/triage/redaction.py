"""A record's analysis copy (personal details replaced) and its area, and what a project
needs to make them: its redaction policy and area names.

The worker makes feedback from messages several times a second; loading a project's
150 areas each time cost more than the messages. So each worker process keeps them —
and checks once per batch, in one query, that the project's policy and areas are still
those it loaded (their last-change times and the number of areas): a new ID pattern or
area applies to the next batch, in every process, whoever changed it.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max
from django.utils import timezone

from responsemap.geo.locate import AreaNames
from responsemap.intake.contacts.models import IntakePolicy
from responsemap.intake.contacts.redaction import build_redaction_policy
from responsemap.lib import rawsql
from responsemap.projects.models import Project
from responsemap.protection.redaction import RedactionPolicy, redact
from responsemap.protection.tokens import tokens_for
from responsemap.triage.models import Feedback, FeedbackToken


def redaction_policy(project: Project, areas: AreaNames | None = None) -> RedactionPolicy:
    """The project's redaction settings (its intake policy's ID patterns, cue words and
    words to keep, and the ID patterns set on the project) with its area names kept: a
    place is not a person ("Jérémie" is both)."""
    policy = IntakePolicy.objects.filter(project_id=project.pk).first()
    return build_redaction_policy(project, policy, areas)


@dataclass(frozen=True)
class Redactor:
    """A project's redaction policy and area names, loaded together."""

    policy: RedactionPolicy
    areas: AreaNames


# What a project's redactor was made from: country, languages, the project's ID patterns,
# the intake policy's last change, the number of areas and the last change of any.
Stamp = tuple[str, tuple[str, ...], tuple[str, ...], datetime | None, int, datetime | None]
_redactors: dict[uuid.UUID, tuple[Stamp, Redactor]] = {}
_lock = threading.Lock()


def redactors_for(projects: Iterable[Project]) -> dict[uuid.UUID, Redactor]:
    """Each project's redactor: the one this process keeps if the project's settings
    are unchanged (one query for all of them), else loaded again."""
    by_id = {project.pk: project for project in projects}
    stamps = (
        Project.objects.filter(pk__in=by_id)
        .annotate(
            policy_at=Max("intake_policy__updated_at"),
            areas_count=Count("areas"),
            areas_at=Max("areas__updated_at"),
        )
        .values_list(
            "pk", "country", "languages", "id_patterns", "policy_at", "areas_count", "areas_at"
        )
    )
    redactors = {}
    for pk, country, languages, patterns, policy_at, areas_count, areas_at in stamps:
        stamp: Stamp = (
            country,
            tuple(languages),
            tuple(patterns or ()),
            policy_at,
            areas_count,
            areas_at,
        )
        kept = _redactors.get(pk)
        if kept is None or kept[0] != stamp:
            project = by_id[pk]
            areas = AreaNames(pk)
            kept = (stamp, Redactor(redaction_policy(project, areas), areas))
            with _lock:
                _redactors[pk] = kept
        redactors[pk] = kept[1]
    return redactors


def forget_project(project_id: object) -> None:
    """Drop this process's redactor of a project (it was destroyed:
    ``projects.destruction.caches``)."""
    with _lock:
        for pk in [pk for pk in _redactors if str(pk) == str(project_id)]:
            _redactors.pop(pk, None)


def apply_redaction(feedback: Feedback, text: str, redactor: Redactor | None = None) -> list[str]:
    """Fill the redacted copy (and the area, if the text names one); returns the fields
    changed. A batch passes the project's ``redactor``, loaded once. The copy's search
    tokens wait in ``pending_tokens`` for ``write_search_tokens``, once it is saved."""
    return _redact(feedback, text, redactor)[0]


def redact_at_birth(feedback: Feedback, text: str, redactor: Redactor) -> list[int] | None:
    """``apply_redaction`` for a record being born; returns the tokens of ``text``
    itself when its redacted copy is the same text (nothing personal found, the usual
    case), for the duplicate signature: its words are normalised and keyed once."""
    redacted = _redact(feedback, text, redactor)[1]
    return feedback.pending_tokens if redacted == text else None


def _redact(feedback: Feedback, text: str, redactor: Redactor | None) -> tuple[list[str], str]:
    areas = redactor.areas if redactor else AreaNames(feedback.project_id)
    policy = redactor.policy if redactor else redaction_policy(feedback.project, areas)
    redacted = redact(text, policy)
    feedback.redacted_content = redacted
    # From the redacted copy only: a search must not find what redaction took out.
    feedback.pending_tokens = tokens_for(feedback.project_id, redacted)
    feedback.redacted_at = timezone.now()
    fields = ["redacted_content", "redacted_at"]
    if feedback.area_id is None:
        # The original, not the redacted copy: the redactor may take a place for a
        # person ("Jérémie" is both), and an area is not a personal detail.
        area = areas.find(text)
        if area is not None:
            feedback.area = area
            fields.append("area")
    return fields, redacted


def write_search_tokens(records: Iterable[Feedback], *, replace: bool = False) -> None:
    """Insert the search tokens ``apply_redaction`` left on saved ``records`` (one
    statement per 100 tokens); ``replace``: a record's earlier tokens go first."""
    records = [r for r in records if r.pending_tokens is not None]
    if replace and records:
        FeedbackToken.objects.filter(feedback_id__in=[r.pk for r in records]).delete()
    rows = [
        (record_id, project_id, token)
        for record_id, project_id, tokens in (
            (r.pk, r.project_id, r.pending_tokens) for r in records
        )
        for token in tokens or ()
    ]
    rawsql.insert_tuples(FeedbackToken, ("feedback_id", "project_id", "token"), rows)
    for record in records:
        record.pending_tokens = None
