from __future__ import annotations

from django.contrib import admin

from responsemap.projects.models import Organisation, Project


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin[Project]):
    list_display = ["name", "organisation", "country", "status", "retention_days"]
    list_filter = ["status", "country"]
    # Projects are created through do_create_project (manage.py create_project) so the
    # key and roles exist; the admin edits their settings.
    readonly_fields = ["id", "created_at"]

    def has_add_permission(self, request: object) -> bool:
        return False
