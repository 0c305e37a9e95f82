from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from responsemap.accounts.models import Membership, Role, User

admin.site.register(User, UserAdmin)


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin[Role]):
    list_display = ["label", "code", "project"]
    list_filter = ["project"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    list_display = ["user", "project", "role", "is_active"]
    list_filter = ["project", "role__code", "is_active"]
    raw_id_fields = ["user"]
