from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from responsemap.imports.pull import clients
from responsemap.imports.pull.tests.standin import StandIn, serving


@pytest.fixture
def standin() -> Iterator[StandIn]:
    with serving() as state:
        yield state


@pytest.fixture
def small_pages(monkeypatch: Any) -> None:
    """Pages of 2, so a handful of submissions takes several pages."""
    monkeypatch.setattr(clients, "PAGE_SIZE", 2)
