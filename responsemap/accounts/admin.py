"""Staff accounts, roles and memberships in the admin: every save through an audited
action in ``accounts/actions.py`` (the rule is ``protection/admin.py``'s)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from allauth.account.models import EmailAddress
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from responsemap.accounts.actions import (
    USER_FIELDS,
    do_add_member,
    do_change_membership,
    do_create_user_account,
    do_set_role_permissions,
    do_update_user_account,
)
from responsemap.accounts.models import Membership, Role, User
from responsemap.accounts.permissions import PERMISSIONS
from responsemap.protection.admin import SetupAdmin, acting_admin

# Django's groups and permissions are not how access works here (roles are per project),
# and allauth's e-mail rows would be a second, unaudited way to change an account.
for unused in (Group, EmailAddress):
    if admin.site.is_registered(unused):
        admin.site.unregister(unused)


@admin.register(User)
class StaffAccountAdmin(SetupAdmin[User], UserAdmin):  # type: ignore[type-arg]
    """Staff accounts. No password screen: a person sets their own (password reset), or
    the operator runs ``manage.py changepassword``; no delete: deactivate instead."""

    fieldsets = (
        (None, {"fields": ("username",)}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Access"), {"fields": ("is_active", "is_staff", "is_superuser")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    shown = ["username", *sorted(USER_FIELDS), "last_login", "date_joined"]
    editable = sorted(USER_FIELDS)
    on_add = ["username", "usable_password", "password1", "password2"]
    list_display = ["username", "email", "first_name", "last_name", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    filter_horizontal = ()

    def add(self, request: HttpRequest, unsaved: User) -> User:
        return do_create_user_account(unsaved, actor=acting_admin(request, None))

    def change(self, request: HttpRequest, stored: User, changes: Mapping[str, Any]) -> None:
        do_update_user_account(stored, changes, actor=acting_admin(request, None))

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        raise PermissionDenied


class RoleForm(forms.ModelForm[Role]):
    permissions = forms.MultipleChoiceField(
        choices=list(PERMISSIONS.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Permissions"),
    )

    class Meta:
        model = Role
        fields = ["permissions"]


@admin.register(Role)
class RoleAdmin(SetupAdmin[Role]):
    """Roles come with their project; the admin changes only their permissions."""

    form = RoleForm
    shown = ["project", "code", "label", "permissions"]
    editable = ["permissions"]
    list_display = ["label", "code", "project"]
    list_filter = ["project"]

    def change(self, request: HttpRequest, stored: Role, changes: Mapping[str, Any]) -> None:
        do_set_role_permissions(
            stored, changes["permissions"], actor=acting_admin(request, stored.project_id)
        )


class MembershipForm(forms.ModelForm[Membership]):
    class Meta:
        model = Membership
        fields = ["user", "project", "role", "is_active"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        project = data.get("project") or getattr(self.instance, "project", None)
        role = data.get("role")
        if project is not None and role is not None and role.project_id != project.pk:
            self.add_error("role", _("Choose a role of this project."))
        return data


@admin.register(Membership)
class MembershipAdmin(SetupAdmin[Membership]):
    """Add a member, change their role, deactivate them; never delete (the audit trail
    keeps its subject)."""

    form = MembershipForm
    shown = ["user", "project", "role", "is_active", "created_at"]
    editable = ["role", "is_active"]
    on_add = ["user", "project", "role"]
    list_display = ["user", "project", "role", "is_active"]
    list_filter = ["project", "role__code", "is_active"]
    raw_id_fields = ["user"]

    def get_form(
        self,
        request: HttpRequest,
        obj: Membership | None = None,
        change: bool = False,
        **kwargs: Any,
    ) -> type[forms.ModelForm[Membership]]:
        form = super().get_form(request, obj, change=change, **kwargs)
        role = form.base_fields.get("role")
        if obj is not None and isinstance(role, forms.ModelChoiceField):
            role.queryset = Role.objects.filter(project_id=obj.project_id)
        return form

    def add(self, request: HttpRequest, unsaved: Membership) -> Membership:
        return do_add_member(
            project_id=unsaved.project_id,
            user=unsaved.user,
            role_code=unsaved.role.code,
            actor=acting_admin(request, unsaved.project_id),
        )

    def change(self, request: HttpRequest, stored: Membership, changes: Mapping[str, Any]) -> None:
        role = changes.get("role")
        do_change_membership(
            stored,
            actor=acting_admin(request, stored.project_id),
            role_code=role.code if role is not None else None,
            is_active=changes.get("is_active"),
        )
