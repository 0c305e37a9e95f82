"""Administrative areas in the admin: read-only (areas are added by ``geo/actions.py``).
Geometry is left out: it is large, and the map screens draw it."""

from __future__ import annotations

from django.contrib import admin

from responsemap.geo.models import AdminArea
from responsemap.protection.admin import SetupAdmin


@admin.register(AdminArea)
class AdminAreaAdmin(SetupAdmin[AdminArea]):
    shown = ["project", "pcode", "name", "names", "level", "parent"]
    list_display = ["pcode", "name", "level", "parent", "project"]
    list_filter = ["project", "level"]
    search_fields = ["pcode", "name"]
