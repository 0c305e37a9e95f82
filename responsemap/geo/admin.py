from __future__ import annotations

from django.contrib import admin

from responsemap.geo.models import AdminArea


@admin.register(AdminArea)
class AdminAreaAdmin(admin.ModelAdmin[AdminArea]):
    list_display = ["pcode", "name", "level", "parent", "project"]
    list_filter = ["project", "level"]
    search_fields = ["pcode", "name"]
    exclude = ["geometry"]
