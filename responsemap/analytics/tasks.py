from __future__ import annotations

import uuid

from django_tasks import task

from responsemap.analytics.actions import do_rederive_areas


@task()
def rederive_areas(project_id: str) -> None:
    """Records' areas after a boundary import from the manager's screen (idempotent:
    a second run moves nothing)."""
    do_rederive_areas(uuid.UUID(project_id))
