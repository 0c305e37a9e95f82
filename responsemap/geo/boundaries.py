"""Reading administrative boundaries (COD-AB style GeoJSON) and checking them before
anything is written: each feature's P-code, name and parent, its geometry (invalid
ones repaired with ``shapely.make_valid`` and reported), overlaps between areas of the
level, gaps (holes inside the level's outline, and parts of a parent no child
covers), and parents that can't be found.

The parent of an area is the area one level up whose P-code is the longest prefix of
its own (COD-AB P-codes nest: HT01 → HT0111), or the one named by ``parent_field``.
Nothing here writes: ``geo.actions.do_import_boundaries`` does, from the result.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import shapely
from django.utils.translation import gettext as _
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree
from shapely.validation import explain_validity

from responsemap.geo.models import AdminArea
from responsemap.protection.viewer import ProjectId

MAX_FEATURES = 20_000
# Overlaps and gaps smaller than this share of the smaller area are drawing noise.
TOLERANCE = 1e-6


class BoundaryFileRefused(ValueError):
    """The file can't be read as boundaries at all (the reason is for the person)."""


@dataclass
class Boundary:
    pcode: str
    name: str
    names: dict[str, str]
    parent_pcode: str
    geometry: dict[str, Any]


@dataclass
class BoundaryReport:
    level: int
    boundaries: list[Boundary] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # features not imported, why
    repaired: list[str] = field(default_factory=list)  # invalid geometries made valid
    overlaps: list[tuple[str, str]] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)
    missing_parents: list[str] = field(default_factory=list)

    @property
    def problems(self) -> int:
        return (
            len(self.skipped)
            + len(self.repaired)
            + len(self.overlaps)
            + len(self.gaps)
            + len(self.missing_parents)
        )

    def lines(self) -> list[str]:
        """The report in words, one finding a line."""
        out = [
            _("%(n)d areas of level %(level)d read.")
            % {"n": len(self.boundaries), "level": self.level}
        ]
        out += [_("Not imported: %(why)s") % {"why": why} for why in self.skipped]
        out += [_("Invalid geometry repaired: %(what)s") % {"what": what} for what in self.repaired]
        out += [_("Overlap: %(a)s and %(b)s") % {"a": a, "b": b} for a, b in self.overlaps]
        out += [_("Gap: %(what)s") % {"what": what} for what in self.gaps]
        out += [
            _("No parent found for %(pcode)s") % {"pcode": pcode} for pcode in self.missing_parents
        ]
        return out


def load_geojson(raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise BoundaryFileRefused(_("The file is not GeoJSON (JSON text in UTF-8).")) from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise BoundaryFileRefused(_("The file is not a GeoJSON FeatureCollection."))
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise BoundaryFileRefused(_("The file holds no feature."))
    if len(features) > MAX_FEATURES:
        raise BoundaryFileRefused(
            _("The file holds more than %(n)d features.") % {"n": MAX_FEATURES}
        )
    return data


def _text(properties: dict[str, Any], name: str) -> str:
    value = properties.get(name)
    return "" if value is None else str(value).strip()


def read_boundaries(
    project_id: ProjectId,
    data: dict[str, Any],
    *,
    level: int,
    pcode_field: str,
    name_field: str,
    parent_field: str = "",
    name_fields: dict[str, str] | None = None,
) -> BoundaryReport:
    """Check the features of ``data`` as areas of ``level`` of the project.
    ``name_fields``: a name per language code (``{"fr": "ADM2_FR"}``)."""
    report = BoundaryReport(level=level)
    shapes: list[BaseGeometry] = []
    seen: set[str] = set()
    for number, feature in enumerate(data["features"], start=1):
        where = _("feature %(n)d") % {"n": number}
        if not isinstance(feature, dict) or not isinstance(feature.get("properties"), dict):
            report.skipped.append(_("%(where)s has no properties") % {"where": where})
            continue
        props = feature["properties"]
        pcode, name = _text(props, pcode_field)[:32], _text(props, name_field)[:200]
        if not pcode:
            report.skipped.append(
                _("%(where)s has no P-code in “%(field)s”") % {"where": where, "field": pcode_field}
            )
            continue
        if pcode in seen:
            report.skipped.append(_("%(pcode)s appears twice") % {"pcode": pcode})
            continue
        try:
            geometry = shape(feature.get("geometry"))
        except Exception:  # noqa: BLE001 (shapely raises many kinds on bad input)
            report.skipped.append(_("%(pcode)s has no readable geometry") % {"pcode": pcode})
            continue
        if geometry.is_empty or geometry.geom_type not in ("Polygon", "MultiPolygon"):
            report.skipped.append(_("%(pcode)s is not a polygon") % {"pcode": pcode})
            continue
        if not geometry.is_valid:
            report.repaired.append(f"{pcode} ({explain_validity(geometry)})")
            geometry = shapely.make_valid(geometry)
            if geometry.geom_type == "GeometryCollection":
                geometry = shapely.unary_union(
                    [g for g in geometry.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
                )
        seen.add(pcode)
        shapes.append(geometry)
        report.boundaries.append(
            Boundary(
                pcode=pcode,
                name=name or pcode,
                names={
                    lang: _text(props, column)[:200]
                    for lang, column in (name_fields or {}).items()
                    if _text(props, column)
                },
                parent_pcode=_text(props, parent_field)[:32] if parent_field else "",
                geometry=mapping(geometry),
            )
        )
    _find_overlaps(report, shapes)
    _find_gaps(report, shapes)
    _find_parents(project_id, report, shapes)
    return report


def _find_overlaps(report: BoundaryReport, shapes: list[BaseGeometry]) -> None:
    if not shapes:
        return
    tree = STRtree(shapes)
    for i, j in zip(*tree.query(shapes, predicate="intersects"), strict=True):
        if i >= j:
            continue
        shared = shapes[i].intersection(shapes[j]).area
        if shared > TOLERANCE * min(shapes[i].area, shapes[j].area):
            report.overlaps.append((report.boundaries[i].pcode, report.boundaries[j].pcode))


def _find_gaps(report: BoundaryReport, shapes: list[BaseGeometry]) -> None:
    """Holes inside the outline of the whole level (a hole of one area that no other
    area fills)."""
    if not shapes:
        return
    union = shapely.unary_union(shapes)
    parts = list(getattr(union, "geoms", [union]))
    total = union.area
    for part in parts:
        for ring in part.interiors:
            hole = shapely.Polygon(ring)
            if hole.area > TOLERANCE * total:
                x, y = hole.representative_point().coords[0]
                report.gaps.append(
                    _("a hole inside the level's outline near %(lat).4f, %(lon).4f")
                    % {"lat": y, "lon": x}
                )


def _find_parents(
    project_id: ProjectId, report: BoundaryReport, shapes: list[BaseGeometry]
) -> None:
    if report.level <= 1:
        return
    parents = {
        pcode: geometry
        for pcode, geometry in AdminArea.objects.filter(
            project_id=project_id, level=report.level - 1
        ).values_list("pcode", "geometry")
    }
    children: dict[str, list[BaseGeometry]] = {}
    for boundary, geometry in zip(report.boundaries, shapes, strict=True):
        if not boundary.parent_pcode:
            prefixes = [p for p in parents if boundary.pcode.startswith(p) and p != boundary.pcode]
            boundary.parent_pcode = max(prefixes, key=len) if prefixes else ""
        if boundary.parent_pcode not in parents:
            report.missing_parents.append(boundary.pcode)
            boundary.parent_pcode = ""
        else:
            children.setdefault(boundary.parent_pcode, []).append(geometry)
    for pcode, parts in sorted(children.items()):
        outline = parents[pcode]
        if not outline:
            continue
        parent = shape(outline)
        uncovered = parent.difference(shapely.unary_union(parts)).area
        if uncovered > 0.001 * parent.area:
            report.gaps.append(
                _("%(share).1f%% of %(pcode)s is covered by none of its areas")
                % {"share": 100 * uncovered / parent.area, "pcode": pcode}
            )
