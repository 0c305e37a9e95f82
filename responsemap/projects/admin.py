"""Organisations and projects in the admin: saved only through ``projects/actions.py``.

A project is created by ``do_create_project`` (its key and roles come with it), and
its status is read-only here: closing or destroying a project is its lifecycle's
business, never a field to pick.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from responsemap.projects.actions import (
    PROJECT_SETTINGS,
    InvalidSetting,
    check_languages,
    check_time_zone,
    do_add_organisation_admin,
    do_create_organisation,
    do_update_project_settings,
)
from responsemap.projects.models import Organisation, Project
from responsemap.projects.models import OrganisationAdmin as Administrator
from responsemap.protection.admin import SetupAdmin, acting_admin


@admin.register(Organisation)
class OrganisationAdmin(SetupAdmin[Organisation]):
    shown = ["name", "slug"]
    on_add = ["name", "slug"]
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def add(self, request: HttpRequest, unsaved: Organisation) -> Organisation:
        return do_create_organisation(
            name=unsaved.name, slug=unsaved.slug, actor=acting_admin(request, None)
        )


@admin.register(Administrator)
class AdministratorAdmin(SetupAdmin[Administrator]):
    """Who may create an organisation's projects (and close them)."""

    shown = ["organisation", "user", "created_at"]
    on_add = ["organisation", "user"]
    list_display = ["organisation", "user", "created_at"]

    def add(self, request: HttpRequest, unsaved: Administrator) -> Administrator:
        return do_add_organisation_admin(
            organisation=unsaved.organisation,
            user=unsaved.user,
            actor=acting_admin(request, None),
        )


class ProjectForm(forms.ModelForm[Project]):
    class Meta:
        model = Project
        fields = sorted(PROJECT_SETTINGS)

    def clean_languages(self) -> list[str]:
        try:
            return check_languages(self.cleaned_data.get("languages"))
        except InvalidSetting as exc:
            message = _('A list of language codes, the default first, e.g. ["fr", "en"].')
            raise forms.ValidationError(message) from exc

    def clean_time_zone(self) -> str:
        try:
            return check_time_zone(self.cleaned_data.get("time_zone"))
        except InvalidSetting as exc:
            message = _("A time zone such as Africa/Mogadishu, or empty for the country's.")
            raise forms.ValidationError(message) from exc


@admin.register(Project)
class ProjectAdmin(SetupAdmin[Project]):
    form = ProjectForm
    shown = [
        "name",
        "slug",
        "organisation",
        "country",
        "languages",
        "purpose",
        "retention_days",
        "status",
        "sensitivity",
        "data_controller",
        "closed_at",
        "id",
        "created_at",
    ]
    editable = sorted(PROJECT_SETTINGS)
    list_display = ["name", "organisation", "country", "status", "retention_days"]
    list_filter = ["status", "country"]

    def change(self, request: HttpRequest, stored: Project, changes: Mapping[str, Any]) -> None:
        do_update_project_settings(stored, changes, actor=acting_admin(request, stored.pk))
