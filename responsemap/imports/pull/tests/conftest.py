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


@pytest.fixture(autouse=True)
def standin_allowed(settings: Any) -> None:
    """The stand-in server listens on 127.0.0.1, which a pull refuses unless allowed:
    these tests allow it explicitly (test_hosts.py checks the refusals)."""
    settings.RESPONSEMAP_PULL_ALLOWED_NETWORKS = ["127.0.0.1/32"]
