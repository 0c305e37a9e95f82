"""The donor's / government counterpart's summary: key figures and breakdowns, the
protection-related records a total only, areas no finer than level 2, small counts
held back; for every persona."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.urls import reverse

from responsemap.analytics.actions import do_rebuild_rollups
from responsemap.analytics.queries import SENSITIVE, Filters, Labels
from responsemap.analytics.roles.outside import outside_figures
from responsemap.geo.actions import do_create_area
from responsemap.protection.models import AuditEvent

pytestmark = pytest.mark.django_db

NOW = datetime.now(UTC)


def square(x: float, y: float) -> dict[str, Any]:
    return {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]],
    }


@pytest.fixture
def areas(project: Any) -> dict[str, Any]:
    """A region (level 1), two districts (level 2), a commune in the first (level 3)."""
    region = do_create_area(
        project_id=project.pk, pcode="XR1", name="Region", level=1, geometry=square(0, 0)
    )
    found = {"region": region}
    for n, name in enumerate(("North district", "South district")):
        found[name] = do_create_area(
            project_id=project.pk,
            pcode=f"XR1{n}",
            name=name,
            level=2,
            parent=region,
            geometry=square(n, 0),
        )
    found["commune"] = do_create_area(
        project_id=project.pk,
        pcode="XR100",
        name="Hill commune",
        level=3,
        parent=found["North district"],
        geometry=square(0, 0),
    )
    return found


@pytest.fixture
def figures(project: Any, make_feedback: Any, areas: dict[str, Any]) -> dict[str, Any]:
    """31 records: 12 questions about water in the commune (so the North district),
    8 requests about shelter in the North district, 6 questions about water with no
    area, 3 complaints about food in the South district (a small cell) and 2
    protection-sensitive records there."""

    def make(n: int, type_code: str, sector: str, area: Any, **fields: Any) -> None:
        for _n in range(n):
            make_feedback(received_at=NOW, type_code=type_code, sector=sector, area=area, **fields)

    make(12, "question", "wash", areas["commune"])
    make(8, "request", "shelter", areas["North district"])
    make(6, "question", "wash", None)
    make(3, "complaint", "food", areas["South district"])
    make(2, "protection", "protection", areas["South district"], sensitivity="sensitive")
    do_rebuild_rollups(project.pk)
    return areas


def period() -> Filters:
    """This calendar month: the records' (the figures are protected by month)."""
    today = NOW.date()
    return Filters(since=today.replace(day=1), until=today)


def url(project: Any) -> str:
    """The summary for this calendar month (by default: the last three complete ones)."""
    dates = period()
    return reverse("analytics:outside", args=[project.slug]) + (
        f"?since={dates.since.isoformat()}&until={dates.until.isoformat()}"
    )


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("operator", 404),
        ("officer", 200),
        ("protection", 200),
        ("manager", 200),
        ("partner", 404),
        ("donor", 200),
        ("outsider", 404),
        ("sysadmin", 404),
    ],
)
def test_who_sees_the_summary(
    client_as: Any, project: Any, figures: Any, persona: str, status: int
) -> None:
    before = AuditEvent.objects.count()
    response = client_as(persona).get(url(project))
    assert response.status_code == status
    assert AuditEvent.objects.count() == before  # aggregates only: nothing written
    if status == 200:
        assert "Summary for donors" in response.content.decode()
        # 31 with the 2 protection-related records: held back, as with the general
        # records' 29 (the public page's total) it would give the 2 away.
        assert response.context["figures"].records is None
        by_type = {c.value: c.records for c in response.context["figures"].tables[1].cells}
        assert by_type["question"] == 18


@pytest.mark.parametrize("persona", ["officer", "protection", "manager", "donor"])
def test_no_protection_breakdown_and_no_small_cell(
    viewer_of: Any, project: Any, figures: Any, persona: str
) -> None:
    """Whatever the reader's own permissions (the protection focal point included),
    the protection-related records are one group, held back below 10, and no count
    below 5 is shown."""
    found = outside_figures(viewer_of(persona), period(), Labels(project.pk))
    assert found is not None
    assert found.records is None  # 31 − 29 general records (shown on the public page) = 2
    assert found.sensitive is None  # 2: below 10
    for table in found.tables:
        values = {cell.value: cell.records for cell in table.cells}
        assert values[SENSITIVE] is None
        assert "protection" not in values  # never a type or sector of its own
        for records in values.values():
            assert records is None or records >= 5
    by_type = {c.value: c.records for c in found.tables[1].cells}
    assert by_type["question"] == 18
    # 3 complaints are held back, and with them the 2 sensitive ones and the next
    # smallest (8 requests), so that 31 − 18 = 13 can't be split into them.
    assert by_type["complaint"] is None
    assert by_type["request"] is None


def test_areas_no_finer_than_level_two(viewer_of: Any, project: Any, figures: Any) -> None:
    found = outside_figures(viewer_of("donor"), period(), Labels(project.pk))
    assert found is not None
    by_area = {c.label: c.records for c in found.tables[3].cells}
    assert by_area["North district"] == 20  # the commune's records, in its district
    assert "Hill commune" not in by_area
    assert figures["commune"].pk not in found.areas
    assert found.areas[figures["North district"].pk] == 20
    assert found.areas[figures["South district"].pk] is None  # 3: held back


def test_the_page_shows_no_held_back_number(client_as: Any, project: Any, figures: Any) -> None:
    page = client_as("donor").get(url(project)).content.decode()
    assert "North district" in page
    assert "Hill commune" not in page
    assert "held back" in page
    assert ">3<" not in page
    assert ">2<" not in page


def test_sensitive_total_shown_at_ten(
    viewer_of: Any, project: Any, make_feedback: Any, figures: Any
) -> None:
    for _n in range(10):
        make_feedback(
            received_at=NOW, type_code="protection", sector="protection", sensitivity="sensitive"
        )
    do_rebuild_rollups(project.pk)
    found = outside_figures(viewer_of("donor"), period(), Labels(project.pk))
    assert found is not None
    assert found.sensitive == 12
    assert found.records == 41
    by_type = {c.value: c.records for c in found.tables[1].cells}
    assert by_type[SENSITIVE] == 12


def test_bad_dates_are_a_form_error(client_as: Any, project: Any, figures: Any) -> None:
    base = reverse("analytics:outside", args=[project.slug])
    response = client_as("donor").get(base + "?since=2026-05-02&until=2026-05-01")
    assert response.status_code == 400
    assert "The start date is after the end date." in response.content.decode()
    response = client_as("donor").get(base + "?since=yesterday")
    assert response.status_code == 400


def test_query_count_is_pinned(
    client_as: Any, project: Any, figures: Any, django_assert_num_queries: Any
) -> None:
    client = client_as("donor")
    client.get(url(project))  # warm: the session, the coding framework's cache
    with django_assert_num_queries(QUERIES):
        client.get(url(project))


# session, user, project, membership, the public page's thresholds, the protected
# months kept, the areas' levels, the margins (by code and by day, every month at
# once), the areas' names, the project row of the layout: none per record, cell or
# month.
QUERIES = 11


def test_by_default_the_last_three_complete_months(client_as: Any, project: Any) -> None:
    response = client_as("donor").get(reverse("analytics:outside", args=[project.slug]))
    found = response.context["figures"]
    this_month = NOW.date().replace(day=1)
    assert found.filters.until == this_month - timedelta(days=1)
    assert found.filters.since.day == 1
    assert (this_month - found.filters.since).days in range(89, 93)
