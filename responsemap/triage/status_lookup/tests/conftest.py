from __future__ import annotations

from collections.abc import Callable

import pytest

from responsemap.triage import models as triage_models

Force = Callable[..., None]


@pytest.fixture
def force_references(monkeypatch: pytest.MonkeyPatch) -> Force:
    """``new_reference`` gives these codes first (a collision, when one is taken), then
    real ones."""
    real = triage_models.new_reference

    def force(*codes: str) -> None:
        queue = list(codes)
        monkeypatch.setattr(
            triage_models, "new_reference", lambda: queue.pop(0) if queue else real()
        )

    return force
