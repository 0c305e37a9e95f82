"""What every signed-in screen's frame shows (``base.html``): the project, presented like
any record, and the viewer; and under the header, the project's purpose and its data's
sensitivity class, with a reminder when the data-protection checklists are due for
review (``projects/_project_mark.html``)."""

from __future__ import annotations

from typing import Any

from responsemap.lib import clock
from responsemap.projects.models import Project
from responsemap.protection.present import present
from responsemap.protection.viewer import Viewer


def project_mark(project: Project, viewer: Viewer) -> dict[str, Any]:
    """The facts the mark under the header needs beyond the presented project: no query
    (everything is on the project's row)."""
    answers_for_data = viewer.can("manage_project") or (
        project.data_controller_id is not None and project.data_controller_id == viewer.user_id
    )
    today = clock.now().date()
    due, class_due = project.review_due_on, project.sensitivity_review_on
    return {
        "in_design": project.status == Project.Status.DESIGN,
        "review_due": bool(answers_for_data and due is not None and due <= today),
        "class_review_due": bool(answers_for_data and class_due is not None and class_due <= today),
        "may_manage": answers_for_data,
    }


def layout(project: Project, viewer: Viewer) -> dict[str, Any]:
    """The project as ``present()`` shows it (a ``Project`` would let a template walk to
    its members and their accounts), and the viewer: a frozen value holding the person's
    own name, role and permissions, nothing about anyone else."""
    return {
        "project": present(project, viewer, "layout"),
        "viewer": viewer,
        "project_mark": project_mark(project, viewer),
    }
