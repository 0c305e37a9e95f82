"""Changing suggestions: deciding one (``decide``), training a project's model
(``train``)."""

from __future__ import annotations

from responsemap.triage.suggestions.actions.decide import (
    RETRAIN_EVERY,
    SuggestionRefused,
    do_accept_suggestion,
    do_change_suggestion,
)
from responsemap.triage.suggestions.actions.train import Trained, do_train_project_model

__all__ = [
    "RETRAIN_EVERY",
    "SuggestionRefused",
    "Trained",
    "do_accept_suggestion",
    "do_change_suggestion",
    "do_train_project_model",
]
