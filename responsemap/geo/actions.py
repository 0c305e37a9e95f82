"""Changing a project's administrative areas; each change is atomic and audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from responsemap.geo.locate import bounds_of
from responsemap.geo.models import AdminArea
from responsemap.protection.audit import record_event
from responsemap.protection.viewer import ProjectId, Viewer


def do_create_area(
    *,
    project_id: ProjectId,
    pcode: str,
    name: str,
    level: int,
    names: dict[str, str] | None = None,
    parent: AdminArea | None = None,
    geometry: dict[str, Any] | None = None,
    actor: Viewer | None = None,
) -> AdminArea:
    """Add an area; its bounding box is computed from the geometry so point lookups can
    skip it cheaply."""
    box = bounds_of(geometry) if geometry else (None, None, None, None)
    with transaction.atomic():
        area = AdminArea.objects.create(
            project_id=project_id,
            pcode=pcode,
            name=name,
            names=names or {},
            level=level,
            parent=parent,
            geometry=geometry,
            min_lon=box[0],
            min_lat=box[1],
            max_lon=box[2],
            max_lat=box[3],
        )
        record_event(
            "area.create",
            project_id=project_id,
            actor=actor,
            object_type="adminarea",
            object_id=area.pk,
            reason=pcode,
        )
    return area
