"""The staff dashboard in the system Chromium, on a wide screen and on a phone, in
English and Arabic: the charts are drawn (Chart.js served by the project), every chart
has its table, a PNG can be downloaded, the page never scrolls sideways, a bar's row
leads to the inbox with that filter, and the protection-sensitive records are one group
for an officer. Screenshots go to ``RESPONSEMAP_SCREENSHOT_DIR`` (var/screenshots).

Needs /usr/bin/chromium (Debian's ``chromium``). Without it the test is skipped, unless
RESPONSEMAP_REQUIRE_BROWSER=1 (CI) makes that a failure.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from responsemap.accounts.models import User
from responsemap.analytics.actions import do_rebuild_rollups
from responsemap.geo.models import AdminArea
from responsemap.projects.models import Project
from responsemap.triage.models import Feedback
from tests.browser.test_flow import sign_in

SCREENSHOT_DIR = Path(os.environ.get("RESPONSEMAP_SCREENSHOT_DIR", "var/screenshots"))

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("locale", ["en", "ar"])
def test_dashboard_on_a_wide_screen_and_a_phone(
    browser: object,
    live_server: object,
    project: Project,
    personas: dict[str, User],
    area: AdminArea,
    make_feedback: Callable[..., Feedback],
    locale: str,
) -> None:
    now = datetime.now(UTC)
    kinds = [
        ("question", "wash", "female"),
        ("complaint", "food", "male"),
        ("request", "shelter", "unknown"),
    ]
    for n in range(24):
        type_code, sector, gender = kinds[n % 3]
        make_feedback(
            received_at=now - timedelta(days=n % 12, hours=n),
            type_code=type_code,
            sector=sector,
            gender=gender,
            area=area if n % 2 else None,
            source="hotline" if n % 4 == 0 else "sms",
        )
    make_feedback(
        received_at=now, type_code="protection", sector="protection", sensitivity="sensitive"
    )
    do_rebuild_rollups(project.pk)
    base = str(live_server.url)  # type: ignore[attr-defined]
    url = f"{base}/p/{project.slug}/dashboard/"
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)

    for width, height in ((1280, 900), (390, 844)):
        page = browser.new_context(  # type: ignore[attr-defined]
            viewport={"width": width, "height": height}, locale=locale, accept_downloads=True
        ).new_page()
        sign_in(page, base, "officer")
        page.wait_for_url(f"**/p/{project.slug}/inbox/")
        page.goto(url)
        page.wait_for_function("typeof Chart !== 'undefined'")
        page.wait_for_selector("#panel-sector .chart-download")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        drawn = page.evaluate(
            "Array.from(document.querySelectorAll('canvas[data-chart]'))"
            ".filter(c => c.width > 0 && Chart.getChart(c)).length"
        )
        assert drawn == page.locator("canvas[data-chart]").count() >= 11
        # Every chart has its table; the sensitive records are one group.
        assert page.locator("figure.chart-panel details.chart-table").count() == drawn
        sector = page.locator("#panel-sector")
        sector.locator("summary").click()
        # Three sectors and the sensitive records' one group (its words are translated).
        assert sector.locator("tbody tr").count() == 4
        assert sector.locator("tbody tr").last.locator("a").count() == 0
        if locale == "en":
            assert sector.locator("td", has_text="Protection-sensitive").is_visible()
        page.screenshot(
            path=str(SCREENSHOT_DIR / f"dashboard-{width}-{locale}.png"), full_page=True
        )
        with page.expect_download() as download:
            sector.locator(".chart-download").click()
        assert download.value.suggested_filename == "panel-sector.png"
        # A row of a table leads to the inbox with the dashboard's filters and its value.
        sector.locator("a", has_text="Water, sanitation" if locale == "en" else "").first.click()
        page.wait_for_url(f"**/p/{project.slug}/inbox/?*sector=*")
        assert "since=" in page.url
        page.context.close()
