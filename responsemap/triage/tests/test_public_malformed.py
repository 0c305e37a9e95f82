"""A malformed submission to a public page is a client error (400) with its reasons on
the page, in the person's language; never a 200 that looks like success, never a 500.
Nothing is stored and the throttle is not spent."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from responsemap.projects.models import Project
from responsemap.testing import make_project
from responsemap.triage.models import Feedback, PublicFormThrottle
from responsemap.triage.status_lookup.models import StatusLookupThrottle
from responsemap.triage.tests.test_public_form import form_data, form_url, nothing_stored

pytestmark = pytest.mark.django_db

MALFORMED: dict[str, dict[str, Any]] = {
    "no message": {"content": None},
    "blank message": {"content": " \n\t "},
    "message too long": {"content": "x" * 5001},
    "NUL in the message": {"content": "water\x00point"},
    "unreadable phone": {"phone": "call me maybe", "keep_contact": "on"},
    "phone too long": {"phone": "1" * 40},
    "unknown area": {"area": "999999"},
    "area not a number": {"area": "'; drop table--"},
}


@pytest.mark.parametrize("overrides", MALFORMED.values(), ids=list(MALFORMED))
def test_malformed_submission_is_a_400_with_the_form_and_its_errors(
    project: Project, overrides: dict[str, Any]
) -> None:
    response = Client().post(form_url(project), form_data(project, **overrides))
    assert response.status_code == 400
    page = response.content.decode()
    assert 'aria-invalid="true"' in page or 'role="alert"' in page
    assert '<form method="post"' in page  # the form again, to correct and send
    assert response["Content-Language"] == "fr"
    assert nothing_stored(project)
    assert not PublicFormThrottle.objects.exists()  # a mistake costs no slot


def test_the_errors_are_in_the_persons_language(db: Any) -> None:
    project = make_project("gamma")
    project.languages = ["ar", "en"]
    project.save(update_fields=["languages"])
    data = form_data(project, language="ar", phone="call me maybe", keep_contact="on")
    response = Client().post(form_url(project), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert response["Content-Language"] == "ar"
    assert not Feedback.objects.exists()


def test_a_good_submission_still_goes_through(project: Project) -> None:
    response = Client().post(form_url(project), form_data(project))
    assert response.status_code == 302
    assert Feedback.objects.count() == 1


def test_status_lookup_without_a_code_is_a_400_and_counts_nothing(project: Project) -> None:
    url = reverse("public:status", args=[project.slug]) + "?lang=en"
    for data in ({}, {"code": ""}, {"code": "X" * 41}):
        response = Client().post(url, data)
        assert response.status_code == 400
        assert 'aria-invalid="true"' in response.content.decode()
    assert not StatusLookupThrottle.objects.exists()
