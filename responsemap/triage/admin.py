from __future__ import annotations

from django.contrib import admin

from responsemap.triage.models import Feedback


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin[Feedback]):
    """Read-only: the admin is for setup. Sealed fields show as a mask, never plaintext."""

    list_display = ["reference", "project", "source", "type_code", "status", "received_at"]
    list_filter = ["project", "source", "status"]
    readonly_fields = [f.name for f in Feedback._meta.fields] + ["content"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
