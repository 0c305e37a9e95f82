from __future__ import annotations

from django.db.models import QuerySet

from responsemap.geo.models import AdminArea
from responsemap.protection.viewer import ProjectId


def areas_of(project_id: ProjectId) -> QuerySet[AdminArea]:
    return AdminArea.objects.filter(project_id=project_id).select_related("parent")
