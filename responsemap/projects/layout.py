"""What every signed-in screen's frame shows (``base.html``): the project, presented like
any record, and the viewer."""

from __future__ import annotations

from typing import Any

from responsemap.projects.models import Project
from responsemap.protection.present import present
from responsemap.protection.viewer import Viewer


def layout(project: Project, viewer: Viewer) -> dict[str, Any]:
    """The project as ``present()`` shows it (a ``Project`` would let a template walk to
    its members and their accounts), and the viewer: a frozen value holding the person's
    own name, role and permissions, nothing about anyone else."""
    return {"project": present(project, viewer, "layout"), "viewer": viewer}
