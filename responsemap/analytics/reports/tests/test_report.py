"""The printable report and its narrative, and the dashboard's charts as SVG files:
for every persona."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse

from responsemap.analytics.actions import do_rebuild_rollups
from responsemap.analytics.reports.actions import (
    NARRATIVE_MAX_LENGTH,
    NarrativeRefused,
    do_edit_report_narrative,
)
from responsemap.analytics.reports.models import ReportNarrative
from responsemap.protection.audit import event_details
from responsemap.protection.audit_catalogue import action_label
from responsemap.protection.models import AuditEvent

pytestmark = pytest.mark.django_db

NOW = datetime.now(UTC)
NARRATIVE = "ZQXNARRATIVE Water trucking began in the North district in week 3."


@pytest.fixture
def figures(project: Any, make_feedback: Any, area: Any) -> Any:
    for _n in range(20):
        make_feedback(received_at=NOW, type_code="question", sector="wash", area=area)
    for _n in range(8):
        make_feedback(received_at=NOW, type_code="complaint", sector="food")
    for _n in range(2):
        make_feedback(
            received_at=NOW,
            type_code="protection",
            sector="protection",
            area=area,
            sensitivity="sensitive",
        )
    do_rebuild_rollups(project.pk)
    return area


def report_url(project: Any) -> str:
    return reverse("analytics:report", args=[project.slug])


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("operator", 404),
        ("officer", 200),
        ("protection", 200),
        ("manager", 200),
        ("partner", 200),
        ("donor", 200),
        ("outsider", 404),
        ("sysadmin", 404),
    ],
)
def test_who_reads_the_report(
    client_as: Any,
    viewer_of: Any,
    project: Any,
    figures: Any,
    partner: Any,
    persona: str,
    status: int,
) -> None:
    """(``partner``: the partner persona's user linked to a partner organisation.)"""
    do_edit_report_narrative(viewer_of("manager"), NARRATIVE)
    before = AuditEvent.objects.count()
    response = client_as(persona).get(report_url(project))
    assert response.status_code == status
    assert AuditEvent.objects.count() == before
    if status != 200:
        return
    body = response.content.decode()
    assert "ZQXNARRATIVE" in body
    assert body.count('class="print-mark') == 2  # the mark on every printed page
    if persona == "partner":
        # The partner's own referrals (none here), never the project's figures.
        assert "Referrals received" in body
        assert "Records by area" not in body
    else:
        # 30 with the 2 protection-related records: held back (the general records' 28
        # would give the 2 away, ADR 0010).
        assert response.context["figures"].records is None
        assert "Records by area" in body  # the map, drawn on the server
        assert "<svg" in body
        assert "<canvas" not in body  # nothing needs a script to print


def test_the_report_holds_back_small_counts(client_as: Any, project: Any, figures: Any) -> None:
    response = client_as("donor").get(report_url(project))
    found = response.context["figures"]
    assert found.sensitive is None
    for table in found.tables:
        assert all(c.records is None or c.records >= 5 for c in table.cells)


def test_a_manager_edits_the_narrative_sealed_and_audited(
    client_as: Any, project: Any, figures: Any
) -> None:
    client = client_as("manager")
    url = reverse("analytics:edit_narrative", args=[project.slug])
    assert client.get(url).status_code == 200
    response = client.post(url, {"text": NARRATIVE})
    assert response.status_code == 302
    event = AuditEvent.objects.filter(action="report.narrative_edit").get()
    assert event_details([event])[0].fields == ["text"]  # the field's name, not its text
    assert action_label("report.narrative_edit") == "Report narrative edited"
    # Sealed at rest: the column holds no plain text.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT text FROM {ReportNarrative._meta.db_table}")  # noqa: S608
        (stored,) = cursor.fetchone()
    assert b"ZQXNARRATIVE" not in bytes(stored)
    assert "ZQXNARRATIVE" in client.get(url).content.decode()  # back in the form
    client.post(url, {"text": "Second version"})
    assert ReportNarrative.objects.count() == 1
    assert AuditEvent.objects.filter(action="report.narrative_edit").count() == 2


@pytest.mark.parametrize(
    "persona", ["operator", "officer", "protection", "partner", "donor", "outsider", "sysadmin"]
)
def test_nobody_else_edits_the_narrative(
    client_as: Any, viewer_of: Any, project: Any, persona: str
) -> None:
    url = reverse("analytics:edit_narrative", args=[project.slug])
    before = AuditEvent.objects.count()
    assert client_as(persona).get(url).status_code == 404
    assert client_as(persona).post(url, {"text": "Mine"}).status_code == 404
    assert ReportNarrative.objects.count() == 0
    assert AuditEvent.objects.count() == before


def test_the_action_refuses_others_and_too_long(viewer_of: Any, project: Any) -> None:
    with pytest.raises(NarrativeRefused):
        do_edit_report_narrative(viewer_of("officer"), "Mine")
    with pytest.raises(NarrativeRefused):
        do_edit_report_narrative(viewer_of("manager"), "x" * (NARRATIVE_MAX_LENGTH + 1))
    assert ReportNarrative.objects.count() == 0


def test_too_long_is_a_form_error(client_as: Any, project: Any) -> None:
    url = reverse("analytics:edit_narrative", args=[project.slug])
    response = client_as("manager").post(url, {"text": "x" * (NARRATIVE_MAX_LENGTH + 1)})
    assert response.status_code == 400
    assert ReportNarrative.objects.count() == 0


def test_bad_dates_are_a_form_error(client_as: Any, project: Any) -> None:
    response = client_as("donor").get(report_url(project) + "?since=2026-02-30")
    assert response.status_code == 400


def test_query_count_is_pinned(
    client_as: Any, viewer_of: Any, project: Any, figures: Any, django_assert_num_queries: Any
) -> None:
    do_edit_report_narrative(viewer_of("manager"), NARRATIVE)
    client = client_as("donor")
    client.get(report_url(project))
    with django_assert_num_queries(REPORT_QUERIES):
        client.get(report_url(project))


# As the summary (11), and the narrative and the map's areas: none per record, cell
# or month.
REPORT_QUERIES = 13


# The dashboard's charts as SVG files.
def chart_url(project: Any, name: str, query: str = "") -> str:
    return reverse("analytics:chart_svg", args=[project.slug, name]) + query


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("operator", 404),
        ("officer", 200),
        ("protection", 200),
        ("manager", 200),
        ("partner", 404),
        ("donor", 404),  # the staff dashboard's charts; a donor has the summary
        ("outsider", 404),
        ("sysadmin", 404),
    ],
)
def test_who_downloads_a_chart(
    client_as: Any, project: Any, figures: Any, persona: str, status: int
) -> None:
    response = client_as(persona).get(chart_url(project, "chart-type_code"))
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"].startswith("image/svg+xml")
        assert 'filename="chart-type_code.svg"' in response["Content-Disposition"]
        assert response["Data-Classification"] == project.sensitivity  # and the purpose
        assert response["Data-Purpose"]
        body = response.content.decode()
        assert body.startswith("<svg")
        # The same figures as the page: the sensitive records broken down only for
        # the protection focal point.
        assert ("Protection-sensitive (not broken down)" in body) == (persona != "protection")


@pytest.mark.parametrize("name", ["chart-volume", "chart-timing", "chart-area", "chart-status"])
def test_every_chart_downloads(client_as: Any, project: Any, figures: Any, name: str) -> None:
    response = client_as("officer").get(chart_url(project, name, "?since=2026-01-01"))
    assert response.status_code == 200


def test_unknown_chart_and_bad_filters(client_as: Any, project: Any, figures: Any) -> None:
    client = client_as("officer")
    assert client.get(chart_url(project, "chart-nothing")).status_code == 404
    assert client.get(chart_url(project, "chart-area", "?since=nonsense")).status_code == 400
    assert client.get(chart_url(project, "chart-area", "?status=gone")).status_code == 400


def test_filtered_chart_follows_the_filters(client_as: Any, project: Any, figures: Any) -> None:
    body = client_as("officer").get(chart_url(project, "chart-type_code", "?sector=food"))
    assert "Question" not in body.content.decode()
