from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.urls import reverse

from responsemap.analytics import queries
from responsemap.analytics.actions import do_rebuild_rollups
from responsemap.analytics.queries import SENSITIVE, Filters
from responsemap.protection.models import AuditEvent

pytestmark = pytest.mark.django_db

NOW = datetime.now(UTC)


@pytest.fixture
def figures(project: Any, make_feedback: Any, area: Any) -> Any:
    """Three normal records (two in the area) and two protection-sensitive ones."""
    make_feedback(received_at=NOW, type_code="question", sector="wash", area=area, gender="female")
    make_feedback(received_at=NOW, type_code="complaint", sector="wash", area=area)
    make_feedback(received_at=NOW - timedelta(days=1), type_code="question", sector="food")
    for _n in range(2):
        make_feedback(
            received_at=NOW,
            type_code="protection",
            sector="protection",
            area=area,
            sensitivity="sensitive",
            urgency="critical",
        )
    do_rebuild_rollups(project.pk)
    return area


def url(project: Any, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("analytics:dashboard", args=[project.slug]) + (f"?{query}" if query else "")


# Who may see the dashboard: staff with view_dashboards; a donor is sent to the summary
# (disclosure-controlled); nobody else (404: an outsider learns nothing, not even that
# the page exists).
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("operator", 404),
        ("officer", 200),
        ("protection", 200),
        ("manager", 200),
        ("partner", 404),
        ("donor", 302),
        ("outsider", 404),
        ("sysadmin", 404),
    ],
)
def test_who_sees_the_dashboard(
    client_as: Any, project: Any, figures: Any, persona: str, status: int
) -> None:
    before = AuditEvent.objects.count()
    response = client_as(persona).get(url(project))
    assert response.status_code == status
    assert AuditEvent.objects.count() == before  # reading figures writes nothing
    if status == 200:
        assert b"Dashboard" in response.content
        assert b"5" in response.content


def test_anonymous_is_sent_to_sign_in(client: Any, project: Any) -> None:
    response = client.get(url(project))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("persona", ["officer", "manager", "donor"])
def test_sensitive_records_are_counted_but_never_broken_down(
    viewer_of: Any, figures: Any, persona: str
) -> None:
    viewer = viewer_of(persona)
    dates = Filters(since=NOW.date() - timedelta(days=7), until=NOW.date())
    assert queries.totals(viewer, dates).records == 5
    for name in queries.BREAKDOWNS:
        found = queries.breakdown(viewer, dates, name)
        assert found.total == 5
        sensitive = [bar for bar in found.bars if bar.value == SENSITIVE]
        assert [bar.records for bar in sensitive] == [2], name
    # A filter is a breakdown: the sensitive records are left out of it.
    in_area = Filters(since=dates.since, until=dates.until, area=figures.pk)
    assert queries.totals(viewer, in_area).records == 2
    assert all(b.value != SENSITIVE for b in queries.breakdown(viewer, in_area, "type_code").bars)


def test_protection_staff_see_sensitive_records_broken_down(viewer_of: Any, figures: Any) -> None:
    viewer = viewer_of("protection")
    dates = Filters(since=NOW.date() - timedelta(days=7), until=NOW.date())
    types = {bar.value: bar.records for bar in queries.breakdown(viewer, dates, "type_code").bars}
    assert types == {"question": 2, "complaint": 1, "protection": 2}
    in_area = Filters(since=dates.since, until=dates.until, area=figures.pk)
    assert queries.totals(viewer, in_area).records == 4


def test_viewers_without_dashboards_get_no_figures(viewer_of: Any, figures: Any) -> None:
    dates = Filters(since=NOW.date() - timedelta(days=7), until=NOW.date())
    for persona in ("operator", "partner"):
        viewer = viewer_of(persona)
        assert queries.totals(viewer, dates).records == 0
        assert queries.breakdown(viewer, dates, "area").bars == []
        assert queries.open_cases(viewer, NOW) == queries.OpenCases(0, 0, 0)


def test_the_other_project_is_never_counted(
    viewer_of: Any, figures: Any, make_feedback: Any, other_project: Any
) -> None:
    make_feedback(project=other_project, received_at=NOW)
    do_rebuild_rollups(other_project.pk)
    dates = Filters(since=NOW.date() - timedelta(days=7), until=NOW.date())
    assert queries.totals(viewer_of("manager"), dates).records == 5


def test_open_urgent_cases_count_sensitive_ones(viewer_of: Any, figures: Any) -> None:
    cases = queries.open_cases(viewer_of("donor"), NOW)
    assert (cases.open_urgent, cases.critical) == (2, 2)


def test_labels_are_words_and_bars_lead_to_the_inbox(
    client_as: Any, project: Any, figures: Any
) -> None:
    response = client_as("officer").get(url(project))
    page = response.content.decode()
    assert "Water, sanitation and hygiene" in page
    assert "Test district" in page
    assert "Female" in page
    assert "Protection-sensitive (not broken down)" in page
    inbox = reverse("triage:inbox", args=[project.slug])
    assert f'href="{inbox}?since=' in page
    assert "sector=wash" in page


def test_a_donor_is_sent_to_the_summary(client_as: Any, project: Any, figures: Any) -> None:
    """Day-by-day figures, filters and small counts are staff's; a donor or government
    viewer gets the summary under disclosure control (roles.outside)."""
    response = client_as("donor").get(url(project, sector="wash"))
    assert response.status_code == 302
    assert response["Location"] == reverse("analytics:outside", args=[project.slug])


def test_filters_narrow_the_figures(client_as: Any, project: Any, figures: Any) -> None:
    response = client_as("protection").get(url(project, sector="wash"))
    assert response.status_code == 200
    assert response.context["totals"].records == 2


@pytest.mark.parametrize(
    "params",
    [
        {"since": "2026-02-30"},
        {"since": "2026-05-01", "until": "2026-04-01"},
        {"since": "2010-01-01", "until": "2026-01-01"},
        {"sector": "nonsense"},
        {"area": "999999"},
        {"area": "x"},
    ],
)
def test_bad_filters_are_a_400_with_a_reason(
    client_as: Any, project: Any, figures: Any, params: dict[str, str]
) -> None:
    response = client_as("officer").get(url(project, **params))
    assert response.status_code == 400
    assert b'class="errorlist' in response.content


def test_the_live_refresh_gets_the_figures_alone(
    client_as: Any, project: Any, figures: Any
) -> None:
    response = client_as("officer").get(url(project, fragment="panels"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" not in page
    assert 'id="chart-volume"' in page


def test_the_dashboard_reads_a_fixed_number_of_queries(
    client_as: Any, project: Any, figures: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_as("officer")
    client.get(url(project))  # sessions and caches warm
    with django_assert_max_num_queries(30):
        client.get(url(project))


def test_emerging_concerns_flag_a_rise_with_its_numbers(
    project: Any, make_feedback: Any, viewer_of: Any
) -> None:
    today = NOW.date()
    for days_ago in range(7, 35, 7):  # one a week for 4 weeks: the usual level
        make_feedback(received_at=NOW - timedelta(days=days_ago), type_code="rumour")
    for _n in range(8):  # eight this week
        make_feedback(received_at=NOW, type_code="rumour")
    make_feedback(received_at=NOW, type_code="question")
    do_rebuild_rollups(project.pk)
    found = queries.emerging_concerns(viewer_of("officer"), today)
    rumours = [c for c in found if c.dimension == "type_code"]
    assert [(c.value, c.recent, c.baseline, c.expected) for c in rumours] == [("rumour", 8, 4, 1.0)]
    assert rumours[0].z == pytest.approx(7.0)
    assert rumours[0].label == "Type: Rumour / misinformation"
