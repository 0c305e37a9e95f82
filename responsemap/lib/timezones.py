"""Time zones by country, and checking a zone's name.

A project's time zone is the one its manager sets, else its country's (its capital's
where a country has several: ``projects.models.Project.zone``). Imports read times
written without a zone (Kobo's and ODK's ``start``/``end``, an XLSX's date cells, in
the collecting phone's local time) in it unless the person importing picks another.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

# Countries with several zones: the capital's. Others come from the system's zone.tab.
CAPITALS = {
    "AU": "Australia/Sydney",
    "BR": "America/Sao_Paulo",
    "CA": "America/Toronto",
    "CD": "Africa/Kinshasa",
    "CL": "America/Santiago",
    "CN": "Asia/Shanghai",
    "EC": "America/Guayaquil",
    "ES": "Europe/Madrid",
    "ID": "Asia/Jakarta",
    "KZ": "Asia/Almaty",
    "MX": "America/Mexico_City",
    "MN": "Asia/Ulaanbaatar",
    "PS": "Asia/Gaza",
    "PT": "Europe/Lisbon",
    "RU": "Europe/Moscow",
    "UA": "Europe/Kyiv",
    "US": "America/New_York",
}
# Used when the system has no zone.tab (a slim container).
FALLBACK = {
    "AF": "Asia/Kabul",
    "BD": "Asia/Dhaka",
    "BF": "Africa/Ouagadougou",
    "CF": "Africa/Bangui",
    "CM": "Africa/Douala",
    "CO": "America/Bogota",
    "ET": "Africa/Addis_Ababa",
    "HT": "America/Port-au-Prince",
    "IQ": "Asia/Baghdad",
    "JO": "Asia/Amman",
    "KE": "Africa/Nairobi",
    "LB": "Asia/Beirut",
    "LY": "Africa/Tripoli",
    "ML": "Africa/Bamako",
    "MM": "Asia/Yangon",
    "MZ": "Africa/Maputo",
    "NE": "Africa/Niamey",
    "NG": "Africa/Lagos",
    "PK": "Asia/Karachi",
    "SD": "Africa/Khartoum",
    "SO": "Africa/Mogadishu",
    "SS": "Africa/Juba",
    "SY": "Asia/Damascus",
    "TD": "Africa/Ndjamena",
    "TR": "Europe/Istanbul",
    "UG": "Africa/Kampala",
    "VE": "America/Caracas",
    "YE": "Asia/Aden",
}
ZONE_TAB = Path("/usr/share/zoneinfo/zone.tab")


@cache
def _zone_tab() -> dict[str, str]:
    """Country → its first zone in zone.tab (the most populous region's)."""
    found: dict[str, str] = {}
    try:
        lines = ZONE_TAB.read_text(encoding="utf-8").splitlines()
    except OSError:
        return found
    for line in lines:
        if line.startswith("#") or not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) >= 3:
            found.setdefault(parts[0].upper(), parts[2])
    return found


def zone_for_country(country: str) -> str:
    code = (country or "").strip().upper()
    zone = CAPITALS.get(code) or _zone_tab().get(code) or FALLBACK.get(code) or "UTC"
    return zone if is_zone(zone) else "UTC"


def is_zone(name: str) -> bool:
    if not name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@cache
def zone_choices() -> list[tuple[str, str]]:
    """Every zone the system knows, by name (``Africa/Mogadishu``), sorted."""
    return [(name, name.replace("_", " ")) for name in sorted(available_timezones())]
