"""GPS answers as Kobo and ODK export them, read into (latitude, longitude).

- one column with the geopoint as the form stores it: ``"18.54 -72.33 0 5"``
  (latitude, longitude, altitude, accuracy), or Kobo's ``_geolocation``:
  ``"[18.54, -72.33]"``, or ``"18.54,-72.33"``;
- or two columns: Kobo's ``_gps_latitude``/``_gps_longitude`` (the question's name
  between the underscores), ODK Central's ``gps-Latitude``/``gps-Longitude``.

A point outside the earth's ranges, or (0, 0) — what a phone without a fix writes —,
is no position.
"""

from __future__ import annotations

import re

from responsemap.imports.reader import Cell

_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?")


class BadPosition(ValueError):
    pass


def _number(text: str) -> float:
    try:
        return float(text.strip().replace(",", "."))
    except ValueError:
        raise BadPosition(text) from None


def _checked(lat: float, lon: float) -> tuple[float, float]:
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        raise BadPosition(f"{lat},{lon}")
    return lat, lon


def read_point(cell: Cell) -> tuple[float, float] | None:
    """(lat, lon) from one geopoint cell; None if empty; BadPosition if unreadable."""
    text = cell.strip() if isinstance(cell, str) else ""
    if not text or text.lower() in ("[none, none]", "[null, null]", "none", "null", "n/a"):
        return None
    text = text.strip("[]()")
    if "," in text and " " not in text.replace(", ", ","):
        parts = text.replace(", ", ",").split(",")  # "18.54,-72.33"
    elif "," in text:
        parts = [p for p in re.split(r"\s*,\s*", text) if p]  # "[18.54, -72.33]"
    else:
        parts = text.split()  # "18.54 -72.33 0 5"
    if len(parts) < 2 or not all(_NUMBER.fullmatch(p.strip()) for p in parts):
        raise BadPosition(text)
    return _checked(_number(parts[0]), _number(parts[1]))


def read_pair(lat_cell: Cell, lon_cell: Cell) -> tuple[float, float] | None:
    lat = lat_cell.strip() if isinstance(lat_cell, str) else ""
    lon = lon_cell.strip() if isinstance(lon_cell, str) else ""
    if not lat and not lon:
        return None
    if not lat or not lon:
        raise BadPosition("half a point")
    return _checked(_number(lat), _number(lon))
