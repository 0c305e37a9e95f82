"""Where rows of an import go.

``intake`` reads and checks the file, but the records it creates belong to ``triage``,
which intake can't import (imports go leftwards). So triage registers a row sink here,
explicitly, in its AppConfig — as it does with intake's message processors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from responsemap.intake.imports.rows import ParsedRow, Problem
from responsemap.projects.models import Project
from responsemap.protection.viewer import Viewer


class RowRejected(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(", ".join(p.reason for p in problems))
        self.problems = problems


class RowSink(Protocol):
    """Made once per import run (or dry run) for one project."""

    def check(self, row: ParsedRow) -> list[Problem]:
        """What is wrong with the row's codes and area; nothing is written."""

    def already_imported(self, keys: Iterable[str]) -> set[str]:
        """The keys among ``keys`` that an earlier import stored."""

    def store(self, row: ParsedRow, actor: Viewer) -> bool:
        """Store the row; False if its key was imported before. Raises RowRejected."""


SinkFactory = Callable[[Project], RowSink]
_factory: list[SinkFactory] = []


def register_row_sink(factory: SinkFactory) -> None:
    _factory[:] = [factory]


def row_sink_for(project: Project) -> RowSink:
    if not _factory:
        raise LookupError("no row sink is registered for imports")
    return _factory[0](project)
