from __future__ import annotations

from typing import Any

import pytest

from responsemap.accounts.queries import viewer_for
from responsemap.protection.viewer import Viewer


@pytest.fixture
def viewer_of(personas: dict[str, Any], project: Any) -> Any:
    def make(persona: str) -> Viewer:
        viewer = viewer_for(personas[persona], project.pk)
        assert viewer is not None
        return viewer

    return make
