"""The public page and its staff screens, for every persona and anonymously."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from responsemap.analytics.public.actions import ReleaseRefused, do_release_month
from responsemap.analytics.public.models import PublicPage, Release, ReleasedTable
from responsemap.analytics.public.tests.conftest import PHONE, SECRET_TEXT, months_ago, page_on
from responsemap.protection.models import AuditEvent

pytestmark = pytest.mark.django_db

EVERYONE = [
    "operator",
    "officer",
    "protection",
    "manager",
    "partner",
    "donor",
    "outsider",
    "sysadmin",
]


def public_url(project: Any, **params: str) -> str:
    """The page in English (the test project's first language is French)."""
    params = {"lang": "en", **params}
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("public_page:page", args=[project.slug]) + (f"?{query}" if query else "")


def staff_url(project: Any, name: str, *args: Any) -> str:
    return reverse(f"analytics_public:{name}", args=[project.slug, *args])


@pytest.fixture
def released(project: Any, viewer_of: Any, last_month_records: Any) -> Release:
    manager = viewer_of("manager")
    page_on(manager)
    return do_release_month(manager, last_month_records)


# -- staff screens: who may, and a denied request changes nothing ----------------------


@pytest.mark.parametrize("persona", EVERYONE)
def test_settings_screen_is_for_managers(client_as: Any, project: Any, persona: str) -> None:
    before = AuditEvent.objects.count()
    client = client_as(persona)
    assert client.get(staff_url(project, "settings")).status_code == (
        200 if persona == "manager" else 404
    )
    posted = {"enabled": "on", "threshold": "5", "sensitive_threshold": "10", "area_level": "1"}
    response = client.post(staff_url(project, "settings"), posted)
    if persona == "manager":
        assert response.status_code == 302
        assert PublicPage.objects.get(project=project).enabled
        assert AuditEvent.objects.filter(action="public_page.settings").count() == 1
    else:
        assert response.status_code == 404
        assert not PublicPage.objects.exists()
        assert AuditEvent.objects.count() == before


def test_settings_refuse_a_threshold_below_the_minimum(client_as: Any, project: Any) -> None:
    posted = {"enabled": "on", "threshold": "2", "sensitive_threshold": "3", "area_level": "3"}
    response = client_as("manager").post(staff_url(project, "settings"), posted)
    assert response.status_code == 400
    assert not PublicPage.objects.exists()


@pytest.mark.parametrize("persona", EVERYONE)
def test_release_is_for_managers(
    client_as: Any, project: Any, last_month_records: Any, persona: str
) -> None:
    before = AuditEvent.objects.count()
    response = client_as(persona).post(
        staff_url(project, "release"), {"month": last_month_records.isoformat()}
    )
    if persona == "manager":
        assert response.status_code == 302
        assert Release.objects.filter(project=project, month=last_month_records).exists()
        assert AuditEvent.objects.filter(action="public_page.release").count() == 1
    else:
        assert response.status_code == 404
        assert not Release.objects.exists()
        assert AuditEvent.objects.count() == before


def test_a_month_is_released_once_and_only_when_complete(
    client_as: Any, project: Any, released: Release, viewer_of: Any
) -> None:
    with pytest.raises(ReleaseRefused):
        do_release_month(viewer_of("manager"), released.month)
    with pytest.raises(ReleaseRefused):
        do_release_month(viewer_of("manager"), months_ago(0))
    response = client_as("manager").post(staff_url(project, "release"), {"month": "not-a-date"})
    assert response.status_code == 302
    assert Release.objects.count() == 1


@pytest.mark.parametrize("persona", EVERYONE)
def test_ledger_is_for_managers(
    client_as: Any, project: Any, released: Release, persona: str
) -> None:
    response = client_as(persona).get(staff_url(project, "ledger"))
    assert response.status_code == (200 if persona == "manager" else 404)
    if persona == "manager":
        table = ReleasedTable.objects.filter(release=released).first()
        assert table is not None
        assert table.values_hash[:12].encode() in response.content
        assert SECRET_TEXT.encode() not in response.content


@pytest.mark.parametrize("persona", EVERYONE)
def test_approval_is_for_protection_specialists(
    client_as: Any, project: Any, released: Release, persona: str
) -> None:
    allowed = persona == "protection"
    client = client_as(persona)
    assert client.get(staff_url(project, "approvals")).status_code == (200 if allowed else 404)
    before = AuditEvent.objects.count()
    response = client.post(staff_url(project, "approve", released.pk))
    released.refresh_from_db()
    if allowed:
        assert response.status_code == 302
        assert released.protection_approved_at is not None
        assert AuditEvent.objects.filter(action="public_page.approve_protection").count() == 1
    else:
        assert response.status_code == 404
        assert released.protection_approved_at is None
        assert AuditEvent.objects.count() == before


def test_another_projects_release_is_not_found(
    client_as: Any, other_project: Any, released: Release
) -> None:
    response = client_as("protection").post(
        reverse("analytics_public:approve", args=[other_project.slug, released.pk])
    )
    assert response.status_code == 404


# -- the public page -------------------------------------------------------------------


def test_unknown_or_off_is_not_found(client: Client, project: Any, viewer_of: Any) -> None:
    assert client.get(reverse("public_page:page", args=["no-such-project"])).status_code == 404
    assert client.get(public_url(project)).status_code == 404  # never set
    page_on(viewer_of("manager"), enabled=False)
    assert client.get(public_url(project)).status_code == 404


def test_public_page_shows_counts_and_suppresses_small_ones(
    client: Client, project: Any, released: Release
) -> None:
    response = client.get(public_url(project))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Listening to the communities of the valley." in html
    assert "Radio Kay" in html
    assert "North district" in html
    assert '<span class="public-count">15</span>' in html  # the month's total
    assert "Not shown" in html  # the 3 in the south, and what would give it away
    assert '<span class="public-count">3</span>' not in html
    assert '<span class="public-count">12</span>' not in html  # 15 - 12 = 3
    # Protection figures are not shown before approval.
    assert "Protection-related feedback" not in html


def test_no_free_text_no_contact_no_points(
    client: Client, project: Any, released: Release, client_as: Any
) -> None:
    client_as("protection").post(staff_url(project, "approve", released.pk))
    html = client.get(public_url(project)).content.decode()
    assert SECRET_TEXT not in html
    assert "blue mosque" not in html
    assert PHONE not in html
    assert PHONE[-8:] not in html
    for marker in ("lat", "lon", "coordinates", "geometry"):
        assert f'"{marker}"' not in html


def test_protection_figures_only_after_approval(
    client: Client, client_as: Any, project: Any, released: Release
) -> None:
    assert "Protection-related feedback" not in client.get(public_url(project)).content.decode()
    client_as("protection").post(staff_url(project, "approve", released.pk))
    html = client.get(public_url(project)).content.decode()  # the cache moved on
    assert "Protection-related feedback" in html
    # 2 protection cases: below 10, never shown.
    assert '<span class="public-count">2</span>' not in html


def test_conflict_mode_publishes_nothing(
    client: Client, project: Any, released: Release, viewer_of: Any
) -> None:
    assert client.get(public_url(project))["Cache-Control"] == "no-cache"
    page_on(viewer_of("manager"), conflict_mode=True)
    response = client.get(public_url(project))
    assert response.status_code == 200
    html = response.content.decode()
    assert "No figures are published here." in html
    for word in ("15", "North district", "Radio Kay", "valley", project.name, "conflict"):
        assert word not in html


def test_a_month_not_published_is_not_found(
    client: Client, project: Any, released: Release
) -> None:
    assert client.get(public_url(project, month="1999-01")).status_code == 404
    assert client.get(public_url(project, month="garbage")).status_code == 404
    month = released.month.strftime("%Y-%m")
    assert client.get(public_url(project, month=month)).status_code == 200


def test_scraping_is_throttled(
    client: Client, project: Any, released: Release, settings: Any
) -> None:
    settings.RESPONSEMAP_PUBLIC_PAGE_RATE_LIMIT = 2
    assert client.get(public_url(project)).status_code == 200
    assert client.get(public_url(project)).status_code == 200
    response = client.get(public_url(project))
    assert response.status_code == 429
    assert "Retry-After" in response
    # Guessing other projects' addresses counts too.
    assert client.get(reverse("public_page:page", args=["guess"])).status_code == 429


def test_reading_the_public_page_writes_no_audit_event(
    client: Client, project: Any, released: Release
) -> None:
    before = AuditEvent.objects.count()
    client.get(public_url(project))
    assert AuditEvent.objects.count() == before


def test_the_page_takes_few_queries(
    client: Client, project: Any, released: Release, django_assert_max_num_queries: Any
) -> None:
    client.get(public_url(project))  # fills the cache
    # The throttle (one UPDATE in a savepoint), the page and its project; no figures.
    with django_assert_max_num_queries(4):
        assert client.get(public_url(project)).status_code == 200
