"""Worker task: retrain a project's suggestion model (takes an id, idempotent enough:
a second run makes one more version from the same decisions)."""

from __future__ import annotations

from django_tasks import task

from responsemap.triage.suggestions.actions.train import do_train_project_model


@task()
def train_project_model(project_id: str) -> None:
    do_train_project_model(project_id)
