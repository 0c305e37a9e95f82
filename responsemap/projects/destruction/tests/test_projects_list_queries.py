"""The organisation admin's list of closed projects reads the standing legal holds of
the page in one query, whatever the number of projects (one query per row before), and
still says until when each hold stands."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.formats import date_format

from responsemap.lib import clock
from responsemap.projects.destruction.models import LegalHold
from responsemap.projects.destruction.queries import standing_holds
from responsemap.projects.lifecycle.actions import do_close_project
from responsemap.projects.models import Project
from responsemap.testing import make_project

pytestmark = pytest.mark.django_db


def _closed_with_hold(slug: str, owner: Any, days: int) -> Project:
    project = make_project(slug)
    assert do_close_project(project, actor=None, approver="Data controller")
    LegalHold.objects.create(
        project=project,
        reason="Audit by the donor",
        owner=owner,
        expires_on=clock.now().date() + timedelta(days=days),
        placed_by=owner,
        placed_at=clock.now(),
    )
    return project


def _queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as seen:
        assert client.get(reverse("destruction:projects")).status_code == 200
    return len(seen.captured_queries)


def test_the_list_costs_the_same_queries_whatever_the_number_of_projects(
    closed_project: Project, org_admin: Any
) -> None:
    client = Client()
    client.force_login(org_admin)
    _queries(client)  # warm what is cached per process
    one = _queries(client)
    for n in range(3):
        _closed_with_hold(f"closed-{n}", org_admin, days=30 + n)
    assert _queries(client) == one


def test_each_row_says_until_when_its_hold_stands(closed_project: Project, org_admin: Any) -> None:
    held = _closed_with_hold("held", org_admin, days=40)
    LegalHold.objects.create(
        project=held,
        reason="Lifted one",
        owner=org_admin,
        expires_on=clock.now().date() + timedelta(days=400),
        placed_by=org_admin,
        placed_at=clock.now(),
        lifted_at=clock.now(),
    )
    found = standing_holds([closed_project.pk, held.pk])
    assert set(found) == {held.pk}
    assert found[held.pk].expires_on == clock.now().date() + timedelta(days=40)
    client = Client()
    client.force_login(org_admin)
    page = client.get(reverse("destruction:projects")).content.decode()
    until = date_format(found[held.pk].expires_on, "SHORT_DATE_FORMAT")
    assert f"Held until {until}" in page
