"""Deciding a suggestion.

A suggestion is never applied by itself: a person accepts it (its type and sector
become the record's, through the audited re-code ``coding.actions.do_recode_feedback``)
or changes it (the codes they chose, the same way). Either is one transaction with the
re-code: the suggestion marked decided and a ``suggestion.accept`` /
``suggestion.change`` event naming the decision, never any text. Every
``RETRAIN_EVERY`` decisions, the project's model is retrained by the worker.
"""

from __future__ import annotations

import uuid

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from responsemap.protection.audit import record_event
from responsemap.protection.viewer import Viewer
from responsemap.triage.choices import Urgency
from responsemap.triage.coding.actions import CodingRefused, Recoded, do_recode_feedback
from responsemap.triage.models import Feedback
from responsemap.triage.queries import access_feedback
from responsemap.triage.suggestions.models import Decision, ProjectModel, Suggestion
from responsemap.triage.suggestions.tasks import train_project_model

# A project's model is retrained by the worker after this many decisions.
RETRAIN_EVERY = 50


class SuggestionRefused(Exception):
    """A decision that can't be made; its message says why, in words."""


def _suggestion_of(viewer: Viewer, feedback_id: object) -> tuple[Feedback, Suggestion]:
    record = access_feedback(viewer, feedback_id, write=True)
    suggestion = Suggestion.objects.filter(feedback_id=record.pk).first()
    if suggestion is None:
        raise SuggestionRefused(_("This record has no suggestion."))
    return record, suggestion


def do_accept_suggestion(viewer: Viewer, feedback_id: object) -> Recoded:
    """The suggested type and sector become the record's (an urgent suggestion keeps
    the urgency the record was raised to); audited as a re-code and an acceptance."""
    record, suggestion = _suggestion_of(viewer, feedback_id)
    return _decide(
        viewer,
        record,
        suggestion,
        type_code=suggestion.type_code,
        sector=suggestion.sector,
        urgency=record.urgency,
    )


def do_change_suggestion(
    viewer: Viewer, feedback_id: object, *, type_code: str, sector: str, urgency: str
) -> Recoded:
    """Codes the person chose instead (or the same: then it counts as accepted)."""
    record, suggestion = _suggestion_of(viewer, feedback_id)
    return _decide(viewer, record, suggestion, type_code=type_code, sector=sector, urgency=urgency)


def _decide(
    viewer: Viewer,
    record: Feedback,
    suggestion: Suggestion,
    *,
    type_code: str,
    sector: str,
    urgency: str,
) -> Recoded:
    if urgency not in Urgency.values:
        raise SuggestionRefused(_("Unknown urgency."))
    agreed = (type_code, sector) == (suggestion.type_code, suggestion.sector)
    decision = Decision.ACCEPTED if agreed else Decision.CHANGED
    with transaction.atomic():
        try:
            done = do_recode_feedback(
                viewer,
                record.pk,
                type_code=type_code,
                sector=sector,
                topic=record.topic,
                urgency=urgency,
            )
        except CodingRefused as refused:
            raise SuggestionRefused(str(refused)) from refused
        Suggestion.objects.filter(pk=suggestion.pk).update(
            decision=decision, decided_at=timezone.now(), decided_by_id=viewer.user_id
        )
        record_event(
            "suggestion.accept" if agreed else "suggestion.change",
            project_id=record.project_id,
            actor=viewer,
            object_type="feedback",
            object_id=record.pk,
            fields=["type_code", "sector", "urgency"],
            purpose=decision,
        )
        if _due_for_training(record.project_id):
            project_id = str(record.project_id)
            transaction.on_commit(lambda: _enqueue_training(project_id))
    return done


def _due_for_training(project_id: uuid.UUID | str) -> bool:
    """Another ``RETRAIN_EVERY`` decisions since the project's model was last trained
    (at 50, and again at 100 if the training at 50 made no model: a failed or declined
    training is not waited for forever)."""
    last = ProjectModel.objects.filter(project_id=project_id).aggregate(t=Max("trained_at"))["t"]
    decided = Suggestion.objects.filter(project_id=project_id).exclude(decision="")
    if last is not None:
        decided = decided.filter(decided_at__gt=last)
    count = decided.count()
    return count > 0 and count % RETRAIN_EVERY == 0  # once each time a multiple is reached


def _enqueue_training(project_id: str) -> None:
    train_project_model.enqueue(project_id)
