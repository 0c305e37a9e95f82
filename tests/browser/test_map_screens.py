"""The map in the system Chromium, on a wide screen and on a phone, in English and
Arabic: Leaflet served by the project draws the invented boundaries coloured by their
counts (with the numbers on the map, in the legend and in the table), the grid squares
with their counts come from the server, the level selector works, and the page never
scrolls sideways. Screenshots go to ``RESPONSEMAP_SCREENSHOT_DIR`` (var/screenshots).

Needs /usr/bin/chromium (Debian's ``chromium``). Without it the test is skipped, unless
RESPONSEMAP_REQUIRE_BROWSER=1 (CI) makes that a failure.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command

from responsemap.accounts.models import User
from responsemap.analytics.actions import do_rebuild_rollups
from responsemap.geo.locate import coarsen, locate_point
from responsemap.projects.models import Project
from responsemap.triage.models import Feedback
from tests.browser.test_flow import sign_in

SCREENSHOT_DIR = Path(os.environ.get("RESPONSEMAP_SCREENSHOT_DIR", "var/screenshots"))
DATA = Path(__file__).resolve().parents[2] / "responsemap" / "analytics" / "data"

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("locale", ["en", "ar"])
def test_map_on_a_wide_screen_and_a_phone(
    browser: object,
    live_server: object,
    project: Project,
    personas: dict[str, User],
    make_feedback: Callable[..., Feedback],
    locale: str,
) -> None:
    for level in (1, 2):
        call_command(
            "import_boundaries",
            str(DATA / f"invented_adm{level}.geojson"),
            project=project.slug,
            level=level,
        )
    now = datetime.now(UTC)
    rng = random.Random(12)
    # Most records in the north-west district, fewer elsewhere; two sensitive ones.
    for n in range(60):
        west, south = (10, 1) if n < 30 else (11, 1) if n < 45 else (10, 0) if n < 55 else (11, 0)
        lat, lon = coarsen(south + rng.uniform(0.2, 0.5), west + rng.uniform(0.2, 0.5))
        make_feedback(
            received_at=now - timedelta(days=n % 20),
            type_code="question" if n % 2 else "complaint",
            lat=lat,
            lon=lon,
            area=locate_point(project.pk, lat, lon),
        )
    for _n in range(2):
        make_feedback(
            received_at=now,
            type_code="protection",
            sector="protection",
            sensitivity="sensitive",
            lat=1.5,
            lon=10.5,
            area=locate_point(project.pk, 1.5, 10.5),
        )
    do_rebuild_rollups(project.pk)
    base = str(live_server.url)  # type: ignore[attr-defined]
    url = f"{base}/p/{project.slug}/map/"
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)

    for width, height in ((1280, 900), (390, 844)):
        page = browser.new_context(  # type: ignore[attr-defined]
            viewport={"width": width, "height": height}, locale=locale
        ).new_page()
        sign_in(page, base, "officer")
        page.wait_for_url(f"**/p/{project.slug}/inbox/")
        page.goto(url)
        page.wait_for_function("typeof L !== 'undefined'")
        # Level 1: two regions, coloured, each with its count on the map.
        page.wait_for_selector(".leaflet-overlay-pane path.leaflet-interactive")
        assert page.locator(".leaflet-overlay-pane path.leaflet-interactive").count() >= 2
        labels = page.locator(".area-label span")
        labels.first.wait_for()
        page.wait_for_load_state("networkidle")
        assert labels.count() == 2
        if locale == "en":
            assert sorted(labels.all_inner_texts()) == ["15", "45"]  # sensitive: not by area
        # The grid squares, counted by the server (the sensitive records are not there).
        page.wait_for_selector(".map-count")
        counts = page.evaluate(
            "Array.from(document.querySelectorAll('.map-count'))"
            ".map(e => Number(e.textContent.replace(/[^0-9٠-٩]/g, '')"
            ".replace(/[٠-٩]/g, d => '٠١٢٣٤٥٦٧٨٩'.indexOf(d))))"
            ".reduce((a, b) => a + b, 0)"
        )
        assert counts == 60
        assert page.locator(".map-legend li").count() >= 3
        assert page.locator(".map-table tbody tr").count() == 2
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(SCREENSHOT_DIR / f"map-{width}-{locale}.png"), full_page=True)
        # Level 2: four districts.
        page.goto(f"{url}?level=2")
        page.wait_for_selector(".area-label span")
        page.wait_for_load_state("networkidle")
        assert labels.count() == 4
        assert page.locator(".map-table tbody tr").count() == 4
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(
            path=str(SCREENSHOT_DIR / f"map-level2-{width}-{locale}.png"), full_page=True
        )
        page.context.close()
