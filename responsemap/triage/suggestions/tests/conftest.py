from __future__ import annotations

from typing import Any

import pytest

from responsemap.triage.suggestions import loading
from responsemap.triage.suggestions.dataset import Example
from responsemap.triage.suggestions.model import Suggester, train

# A small model the tests can predict: the shipped data changes as it grows.
SMALL = [
    Example("when is the next food distribution", "question", "food", False),
    Example("when do they give the rice and oil", "question", "food", False),
    Example("is there food distribution on monday", "question", "food", False),
    Example("the water point is broken since monday", "complaint", "wash", False),
    Example("no water at the tap again, it is broken", "complaint", "wash", False),
    Example("the latrines are dirty and broken", "complaint", "wash", False),
    Example("my child has a high fever and cannot breathe", "request", "health", True),
    Example("please send the ambulance, my wife is bleeding", "request", "health", True),
    Example("my baby is very sick with fever, we need a doctor", "request", "health", True),
    Example("thank you for the tents, we are dry now", "appreciation", "shelter", False),
    Example("thanks for the new tarpaulin and the tent", "appreciation", "shelter", False),
    Example("merci pour les tentes, nous sommes au sec", "appreciation", "shelter", False),
    Example("many thanks for the school books", "appreciation", "education", False),
    Example("thank you teachers for the classes", "appreciation", "education", False),
    Example("when does the school open again", "question", "education", False),
    Example("the school has no teacher for two weeks", "complaint", "education", False),
]
_small: Suggester | None = None


def small_model() -> Suggester:
    global _small
    if _small is None:
        _small = train(SMALL)
    return _small


@pytest.fixture(autouse=True)
def _suggestions_at_birth(settings: Any) -> None:
    """The suite runs with suggestions at birth off (test_settings); these tests are
    about them."""
    settings.RESPONSEMAP_SUGGESTIONS_AT_BIRTH = True


@pytest.fixture
def small(monkeypatch: pytest.MonkeyPatch) -> Suggester:
    """The shipped model replaced by ``SMALL``'s, and no project model kept in memory."""
    model = small_model()
    monkeypatch.setattr(loading, "base_suggester", lambda: model)
    monkeypatch.setattr(loading, "_projects", {})
    return model
