"""After working on a record from a rumour group's page, the answer goes back to that
group; a ``group`` that is not a group's id (tampered with) goes back to the record's
page instead of failing with a server error."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from responsemap.projects.models import Project
from responsemap.triage.models import Feedback

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]
Make = Callable[..., Feedback]


@pytest.mark.parametrize("group", ["a/b", "../settings/x", "", " "])
def test_a_group_that_is_no_id_goes_back_to_the_record(
    group: str, client_as: ClientFor, project: Project, make_feedback: Make
) -> None:
    record = make_feedback("Zz one", source="social")
    url = reverse("triage:mark_spam", args=[project.slug, record.pk])
    response = client_as("officer").post(url, {"next": "group", "group": group})
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("triage:detail", args=[project.slug, record.pk]) + "#duplicates"
    )


def test_a_group_id_goes_back_to_the_group(
    client_as: ClientFor, project: Project, make_feedback: Make
) -> None:
    record = make_feedback("Zz one", source="social")
    group = "0b4a4f57-5d35-4c5c-9d0e-7a3b1b7e2f10"
    url = reverse("triage:mark_spam", args=[project.slug, record.pk])
    response = client_as("officer").post(url, {"next": "group", "group": group})
    assert response.status_code == 302
    assert response["Location"] == reverse("triage:rumour_group", args=[project.slug, group])
