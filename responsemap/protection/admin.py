"""The Django admin's one rule: it shows setup, never what people said or who they are,
and it changes nothing except through audited actions.

- Records that hold what people said or who they are (feedback, call details,
  contacts, consent, messages, imports, the audit log) are not registered at all. The
  app's own screens show them, through ``present()``, to members of their project, with
  an audit event; a superuser who belongs to no project must not read them through the
  back door.
- Setup models are registered with a ``SetupAdmin``: it shows only the fields it names
  in ``shown``, is read-only unless it names ``editable`` fields (or ``on_add`` ones for
  an add form), and never deletes. A save goes through the admin's ``change()`` or
  ``add()``, which call a ``do_*`` action: one audit event naming the fields, with the
  signed-in admin as the actor (``acting_admin``).
- Third-party admins are brought under the same rule here (task results, whose
  tracebacks and arguments may quote what they processed) or in ``accounts/admin.py``
  (groups, e-mail addresses).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django_tasks_db.models import DBTaskResult

from responsemap.protection.viewer import ProjectId, Viewer

M = TypeVar("M", bound=Model)

# The role an admin acts in, as the audit log records it: a superuser has no membership.
ADMIN_ROLE = "sysadmin"


def acting_admin(request: HttpRequest, project_id: ProjectId | None) -> Viewer:
    """The signed-in admin as the actor of an action (their own name in the audit log).

    No permissions: the admin's right to act comes from Django's staff checks, and a
    viewer with none can't reveal anything through ``present()``. ``project_id`` is
    empty for a system-level change (an organisation, a staff account)."""
    user: Any = request.user
    return Viewer(
        user_id=user.pk,
        label=user.get_username(),
        role=ADMIN_ROLE,
        project_id=project_id or "",
        permissions=frozenset(),
    )


class SetupAdmin(admin.ModelAdmin[M]):
    """Read-only, no delete, only the ``shown`` fields; saves only through actions."""

    shown: Sequence[str] = ()
    editable: Sequence[str] = ()
    on_add: Sequence[str] = ()

    def get_fields(self, request: HttpRequest, obj: M | None = None) -> list[Any]:
        return list(self.on_add if obj is None else self.shown)

    def get_readonly_fields(self, request: HttpRequest, obj: M | None = None) -> list[str]:
        if obj is None:
            return []
        return [name for name in self.shown if name not in self.editable]

    def get_prepopulated_fields(
        self, request: HttpRequest, obj: M | None = None
    ) -> dict[str, Sequence[str]]:
        return dict(self.prepopulated_fields) if obj is None else {}

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(self.on_add) and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return bool(self.editable) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: M, form: ModelForm[M], change: bool) -> None:
        if not change:
            obj.pk = self.add(request, obj).pk  # the admin then logs and redirects to it
            return
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        if set(changes) - set(self.editable):
            raise PermissionDenied
        if changes:
            # The action works on the stored row, not on the form's already-changed copy,
            # so it can tell what really changed.
            self.change(request, self.model._default_manager.get(pk=obj.pk), changes)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Nothing: setup admins have no inlines and no many-to-many fields to save."""

    def delete_model(self, request: HttpRequest, obj: M) -> None:
        raise PermissionDenied

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[M]) -> None:
        raise PermissionDenied

    def add(self, request: HttpRequest, unsaved: M) -> M:
        """Store ``unsaved`` (built by the add form) through an action; returns the row."""
        raise PermissionDenied

    def change(self, request: HttpRequest, stored: M, changes: Mapping[str, Any]) -> None:
        """Apply ``changes`` (field → new value) to ``stored`` through an action."""
        raise PermissionDenied


if admin.site.is_registered(DBTaskResult):
    admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskResultAdmin(SetupAdmin[DBTaskResult]):  # type: ignore[type-arg]
    """Queue health only: no arguments, return values or tracebacks (they may quote what
    a task processed)."""

    shown = [
        "id",
        "task_path",
        "status",
        "queue_name",
        "priority",
        "enqueued_at",
        "run_after",
        "started_at",
        "finished_at",
        "exception_class_path",
    ]
    list_display = ["id", "task_path", "status", "enqueued_at", "finished_at"]
    list_filter = ["status", "queue_name"]
    ordering = ["-enqueued_at"]
