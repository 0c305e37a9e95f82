"""The counts a destroyed project leaves behind: rows of each kind per month, and per
month by each coded field (a choice list, or a code of the project's framework). No
text, no ids; a cell under ``THRESHOLD`` is kept as None ("fewer than 5"), so a rare
case in a small project can't point at anyone."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import models, transaction
from django.db.models import Count
from django.db.models.functions import TruncMonth

from responsemap.projects.destruction.models import ProjectAggregate
from responsemap.protection.viewer import ProjectId

THRESHOLD = 5
# Fields whose values are codes even without a fixed choice list (the coding framework).
CODED = ("type_code", "sector")
DATE_FIELDS = ("received_at", "created_at", "placed_at")


def _date_field(model: type[models.Model]) -> str | None:
    names = {f.name: f for f in model._meta.concrete_fields}
    for name in DATE_FIELDS:
        if isinstance(names.get(name), models.DateTimeField):
            return name
    return None


def _dimensions(model: type[models.Model]) -> list[str]:
    return [
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField)
        and not f.is_relation
        and (f.choices or f.name in CODED)
        and f.name not in ("id",)
    ]


def _month(value: Any) -> date:
    return value.date().replace(day=1) if isinstance(value, datetime) else value.replace(day=1)


def count_project(project_id: ProjectId, tables: list[tuple[type[models.Model], str]]) -> int:
    """Write the project's aggregates (again, if a run is resumed); returns how many."""
    rows: list[ProjectAggregate] = []
    for model, project_field in tables:
        stamp = _date_field(model)
        if stamp is None:
            continue
        kind = model._meta.label_lower
        mine = model._base_manager.filter(**{project_field: project_id}).exclude(
            **{f"{stamp}__isnull": True}
        )
        monthly = mine.annotate(m=TruncMonth(stamp)).values("m")
        for dimension in ["", *_dimensions(model)]:
            groups = ["m", dimension] if dimension else ["m"]
            for row in monthly.values(*groups).annotate(n=Count("pk")).order_by(*groups):
                value = str(row[dimension] or "") if dimension else ""
                rows.append(
                    ProjectAggregate(
                        project_id=project_id,
                        kind=kind,
                        month=_month(row["m"]),
                        dimension=dimension,
                        value=value[:64],
                        count=row["n"] if row["n"] >= THRESHOLD else None,
                    )
                )
    with transaction.atomic():
        ProjectAggregate.objects.filter(project_id=project_id).delete()
        ProjectAggregate.objects.bulk_create(rows, batch_size=500)
    return len(rows)
