"""What apps to the right of projects do when a project is created or closed.

Projects may not import them (ARCHITECTURE.md, "Apps and the direction of imports"), so
they register here at start-up, in their ``AppConfig.ready``: geo makes the areas typed
on the create-project screen; intake marks the messages still queued at closing "Not
sent: project closed" and counts them for the lifecycle page. Hooks run inside the
creating or closing action's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from responsemap.projects.models import Project
from responsemap.protection.viewer import ProjectId, Viewer

Created = Callable[[Project, Mapping[str, Any], Viewer | None], None]
Closed = Callable[[ProjectId], Mapping[str, object]]
Figures = Callable[[ProjectId], Mapping[str, int]]
_created: list[Created] = []
_closed: list[Closed] = []
_closing_figures: list[Figures] = []


def on_project_created(hook: Created) -> None:
    """``hook(project, form_data, actor)`` after a project is made on the screen."""
    if hook not in _created:
        _created.append(hook)


def on_project_closed(hook: Closed) -> None:
    """``hook(project_id)`` as a project closes; what it returns goes into the
    ``project.close`` audit event's details."""
    if hook not in _closed:
        _closed.append(hook)


def on_closing_figures(hook: Figures) -> None:
    """``hook(project_id)``: figures a closed project's lifecycle page shows."""
    if hook not in _closing_figures:
        _closing_figures.append(hook)


def project_created(project: Project, data: Mapping[str, Any], actor: Viewer | None) -> None:
    for hook in _created:
        hook(project, data, actor)


def project_closed(project_id: ProjectId) -> dict[str, object]:
    details: dict[str, object] = {}
    for hook in _closed:
        details.update(hook(project_id))
    return details


def closing_figures(project_id: ProjectId) -> dict[str, int]:
    figures: dict[str, int] = {}
    for hook in _closing_figures:
        figures.update(hook(project_id))
    return figures
