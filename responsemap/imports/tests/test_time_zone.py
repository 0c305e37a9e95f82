"""The project's time zone: set when the project is made and in its settings (empty:
the country's), the default for a file's and a pull's times without a zone."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from responsemap.imports.tests.test_kobo_odk import upload
from responsemap.projects.actions import (
    InvalidSetting,
    do_create_project,
    do_update_project_settings,
)
from responsemap.projects.creation.forms import ProjectCreationForm
from responsemap.projects.models import Organisation, Project
from responsemap.protection.models import AuditEvent

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]


def test_the_zone_is_the_countrys_until_one_is_set(project: Project) -> None:
    assert project.time_zone == ""
    assert project.zone == "America/Port-au-Prince"  # HT's
    project.time_zone = "Not/AZone"  # whatever is stored, a zone is read
    assert project.zone == "America/Port-au-Prince"


def test_a_zone_is_set_in_the_settings_and_audited(project: Project) -> None:
    changed = do_update_project_settings(project, {"time_zone": "America/New_York"}, actor=None)
    assert changed == ["time_zone"]
    project.refresh_from_db()
    assert project.zone == "America/New_York"
    assert AuditEvent.objects.filter(action="project.update_settings").count() == 1
    with pytest.raises(InvalidSetting):
        do_update_project_settings(project, {"time_zone": "Mars/Olympus"}, actor=None)
    # Empty again: the country's.
    do_update_project_settings(project, {"time_zone": ""}, actor=None)
    project.refresh_from_db()
    assert project.zone == "America/Port-au-Prince"


def test_a_project_is_made_with_its_zone(db: object) -> None:
    organisation = Organisation.objects.create(name="Org", slug="org")
    project = do_create_project(
        organisation=organisation,
        name="Somalia",
        slug="somalia",
        country="so",
        languages=["so", "en"],
        purpose="Feedback",
        time_zone="Africa/Mogadishu",
    )
    assert (project.time_zone, project.zone) == ("Africa/Mogadishu", "Africa/Mogadishu")
    with pytest.raises(InvalidSetting):
        do_create_project(
            organisation=organisation,
            name="Nowhere",
            slug="nowhere",
            country="so",
            languages=["so"],
            purpose="Feedback",
            time_zone="Nowhere/Land",
        )


def test_the_creation_form_offers_the_zones_and_refuses_others() -> None:
    form = ProjectCreationForm(data={"time_zone": "Nowhere/Land"})
    assert not form.is_valid()
    assert "time_zone" in form.errors
    choices = dict(form.fields["time_zone"].choices)  # type: ignore[attr-defined]
    assert "" in choices
    assert "Africa/Mogadishu" in choices


def test_a_files_times_default_to_the_projects_zone(client_as: ClientFor, project: Project) -> None:
    do_update_project_settings(project, {"time_zone": "America/New_York"}, actor=None)
    client = client_as("officer")
    job = upload(client, project, b"message;date\nHello;14/03/2024 09:36\n", "plain.csv")
    page = client.get(reverse("imports:mapping", args=[project.slug, job.pk])).content.decode()
    assert 'value="America/New_York" selected' in page


def test_the_admin_settings_form_refuses_a_wrong_zone(project: Project) -> None:
    from responsemap.projects.admin import ProjectForm

    data = {
        "name": project.name,
        "country": project.country,
        "languages": '["fr", "en"]',
        "purpose": project.purpose,
        "retention_days": project.retention_days,
    }
    form = ProjectForm(data={**data, "time_zone": "Nowhere/Land"}, instance=project)
    assert not form.is_valid()
    assert "time_zone" in form.errors
    form = ProjectForm(data={**data, "time_zone": "Africa/Mogadishu"}, instance=project)
    assert form.is_valid(), form.errors
