"""Changing a project's administrative areas; each change is atomic and audited."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from responsemap.geo.boundaries import BoundaryReport
from responsemap.geo.locate import bounds_of
from responsemap.geo.models import AdminArea
from responsemap.projects.creation.area_list import ListedArea
from responsemap.projects.models import Project
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


def do_create_listed_areas(
    *, project_id: ProjectId, areas: list[ListedArea], actor: Viewer | None = None
) -> list[AdminArea]:
    """Add the areas of a typed list (``projects.creation.area_list``), without outlines, each after
    its parent, in one transaction; each audited as an added area."""
    made: list[AdminArea] = []
    with transaction.atomic():
        for listed in areas:
            made.append(
                do_create_area(
                    project_id=project_id,
                    pcode=listed.pcode,
                    name=listed.name,
                    level=listed.level,
                    parent=made[listed.parent] if listed.parent is not None else None,
                    actor=actor,
                )
            )
    return made


def do_import_boundaries(
    project_id: ProjectId, report: BoundaryReport, *, actor: Viewer | None = None
) -> tuple[int, int]:
    """Write the areas a checked boundary file holds (``geo.boundaries``): a P-code new
    to the project is created, a known one gets the file's name, names, parent and
    geometry. One transaction; one audit event (``area.import``) with the counts and
    the level. Returns (created, updated)."""
    parents = {
        pcode: pk
        for pcode, pk in AdminArea.objects.filter(
            project_id=project_id, level=report.level - 1
        ).values_list("pcode", "pk")
    }
    known = {
        area.pcode: area
        for area in AdminArea.objects.filter(
            project_id=project_id, pcode__in=[b.pcode for b in report.boundaries]
        )
    }
    created = updated = 0
    with transaction.atomic():
        for boundary in report.boundaries:
            box = bounds_of(boundary.geometry)
            values = {
                "name": boundary.name,
                "names": boundary.names,
                "level": report.level,
                "parent_id": parents.get(boundary.parent_pcode),
                "geometry": boundary.geometry,
                "min_lon": box[0],
                "min_lat": box[1],
                "max_lon": box[2],
                "max_lat": box[3],
            }
            area = known.get(boundary.pcode)
            if area is None:
                AdminArea.objects.create(project_id=project_id, pcode=boundary.pcode, **values)
                created += 1
            else:
                for name, value in values.items():
                    setattr(area, name, value)
                area.save()
                updated += 1
        record_event(
            "area.import",
            project_id=project_id,
            actor=actor,
            object_type="project",
            object_id=project_id,
            details={"level": report.level, "created": created, "updated": updated},
        )
    return created, updated


def create_typed_areas(project: Project, data: Mapping[str, Any], actor: Viewer | None) -> None:
    """The areas typed on the create-project screen (its ``areas`` field, parsed), made
    as the project is (``projects.hooks.on_project_created``)."""
    if data.get("areas"):
        do_create_listed_areas(project_id=project.pk, areas=data["areas"], actor=actor)
