"""The HXL tag row (Humanitarian Exchange Language): a second header row of hashtags
such as ``#date``, ``#adm1+name``, ``#geo+lat``, as KoboToolbox writes below the
column names when the form's questions carry tags.

It is not a data row: the reader sets it apart (``Table.hxl``), and its tags suggest
the column mapping before the header names do.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_TAG = re.compile(r"^#[a-z][a-z0-9_]*(?:\s*\+\s*[a-z][a-z0-9_]*)*$", re.IGNORECASE)


def is_tag_row(cells: Sequence[object]) -> bool:
    """Every filled cell is a hashtag (with +attributes), and at least one is filled."""
    filled = [str(c).strip() for c in cells if isinstance(c, str) and c.strip()]
    if len(filled) != len([c for c in cells if not isinstance(c, str) or c.strip()]):
        return False  # a date or number cell: a data row
    return bool(filled) and all(_TAG.match(c) for c in filled)


def parse_tag(tag: str) -> tuple[str, set[str]]:
    """ "#adm1 +name" → ("adm1", {"name"})."""
    parts = [p.strip().lower() for p in tag.strip().lstrip("#").split("+")]
    return parts[0], {p for p in parts[1:] if p}


def target_of(tag: str) -> str | None:
    """The mapping target a tag suggests, or None."""
    if not tag.strip():
        return None
    name, attrs = parse_tag(tag)
    if name == "date":
        return "received_at"
    if re.fullmatch(r"adm[1-5]", name) or name == "loc":
        return "area_pcode" if "code" in attrs else "area_name"
    if name == "geo":
        if "lat" in attrs:
            return "latitude"
        if "lon" in attrs:
            return "longitude"
        if "coord" in attrs:
            return "gps"
        return None
    if name == "contact" and "phone" in attrs:
        return "phone"
    if name in ("description", "status") and "feedback" in attrs:
        return "content"
    if name == "description" or (name == "meta" and "comment" in attrs):
        return "content"
    if name == "meta" and ({"id", "uuid"} & attrs):
        return "key"
    if name == "sector":
        return "sector"
    if name == "meta" and ({"lang", "language"} & attrs):
        return "language"
    if name == "language":
        return "language"
    if name in ("sex", "gender") or (name == "respondee" and "sex" in attrs):
        return "gender"
    if name == "age" or "age" in attrs:
        return "age_band"
    if name == "severity" or "urgency" in attrs:
        return "urgency"
    if name == "indicator" and "type" in attrs:
        return "type_code"
    return None


def suggest_from_tags(tags: Sequence[str]) -> dict[str, int]:
    """Target → column index from the tags; the deepest admin level wins for areas."""
    found: dict[str, int] = {}
    depth: dict[str, int] = {}
    for index, tag in enumerate(tags):
        target = target_of(tag)
        if target is None:
            continue
        name, attrs = parse_tag(tag)
        level = int(name[3]) if re.fullmatch(r"adm[1-5]", name) else 9 if name == "loc" else 0
        if name == "date" and attrs & {"submitted", "reported", "received"}:
            level = 1  # the date it reached us, before a form's own "today"
        if target not in found or level > depth.get(target, -1):
            found[target] = index
            depth[target] = level
    return found
