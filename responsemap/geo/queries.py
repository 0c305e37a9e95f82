from __future__ import annotations

from django.db.models import QuerySet

from responsemap.geo.models import AdminArea


def areas_of(project_id: object) -> QuerySet[AdminArea]:
    return AdminArea.objects.filter(project_id=project_id).select_related("parent")
