"""The public page in the system Chromium, on a wide screen and on a phone, in English
and Arabic: anonymous, counts and monthly trend as tables with bars, small numbers
shown as "not shown", no sideways scroll; and the manager's settings screen.
Screenshots go to ``RESPONSEMAP_SCREENSHOT_DIR`` (var/screenshots).

Needs /usr/bin/chromium (Debian's ``chromium``). Without it the test is skipped, unless
RESPONSEMAP_REQUIRE_BROWSER=1 (CI) makes that a failure.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from responsemap.accounts.models import User
from responsemap.accounts.queries import viewer_for
from responsemap.analytics.actions import do_rebuild_rollups
from responsemap.analytics.public.actions import (
    PageSettings,
    do_approve_protection,
    do_release_month,
    do_update_public_page,
)
from responsemap.geo.actions import do_create_area
from responsemap.projects.models import Project
from responsemap.triage.models import Feedback
from tests.browser.test_flow import sign_in

SCREENSHOT_DIR = Path(os.environ.get("RESPONSEMAP_SCREENSHOT_DIR", "var/screenshots"))
SECRET = "The guard at the east gate asks for money"

pytestmark = pytest.mark.browser


def _month(back: int) -> date:
    first = datetime.now(UTC).date().replace(day=1)
    for _n in range(back):
        first = (first - timedelta(days=1)).replace(day=1)
    return first


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("locale", ["en", "ar"])
def test_public_page_on_a_wide_screen_and_a_phone(
    browser: object,
    live_server: object,
    project: Project,
    personas: dict[str, User],
    make_feedback: Callable[..., Feedback],
    locale: str,
) -> None:
    Project.objects.filter(pk=project.pk).update(languages=["en", "ar"])
    square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
    areas = [
        do_create_area(
            project_id=project.pk,
            pcode=f"XT0{n}",
            name=name,
            names={"ar": arabic},
            level=1,
            geometry=square,
        )
        for n, (name, arabic) in enumerate(
            [
                ("North district", "المنطقة الشمالية"),
                ("South district", "المنطقة الجنوبية"),
                ("Coast district", "المنطقة الساحلية"),
            ]
        )
    ]
    kinds = [
        ("complaint", "wash", "female", "25-59"),
        ("question", "food", "male", "18-24"),
        ("request", "shelter", "female", "60+"),
    ]
    for back, count in ((3, 21), (2, 34), (1, 28)):
        first = _month(back)
        for n in range(count):
            type_code, sector, gender, age = kinds[n % 3]
            make_feedback(
                SECRET,
                received_at=datetime(first.year, first.month, 1 + n % 27, 10, tzinfo=UTC),
                type_code=type_code,
                sector=sector,
                gender=gender,
                age_band=age,
                area=areas[0] if n % 5 else areas[n % 2 + 1],
                phone="+50937001122",
            )
        for _n in range(11 if back == 1 else 3):
            make_feedback(
                SECRET,
                received_at=datetime(first.year, first.month, 5, tzinfo=UTC),
                type_code="protection",
                sector="protection",
                sensitivity="sensitive",
                area=areas[0],
            )
    do_rebuild_rollups(project.pk)
    manager = viewer_for(personas["manager"], project.pk)
    specialist = viewer_for(personas["protection"], project.pk)
    assert manager is not None
    assert specialist is not None
    do_update_public_page(
        manager,
        PageSettings(
            enabled=True,
            conflict_mode=False,
            threshold=5,
            sensitive_threshold=10,
            area_level=1,
            purpose="We listen to the people of the valley and answer every message.",
            partners="Valley Water Trust\nRadio Kay",
        ),
    )
    for back in (3, 2, 1):
        release = do_release_month(manager, _month(back))
        if back == 1:
            do_approve_protection(specialist, release)

    base = str(live_server.url)  # type: ignore[attr-defined]
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    for width, height in ((1280, 900), (390, 844)):
        context = browser.new_context(  # type: ignore[attr-defined]
            viewport={"width": width, "height": height}, locale=locale
        )
        page = context.new_page()
        page.goto(f"{base}/public/{project.slug}/?lang={locale}")
        assert page.locator("html").get_attribute("dir") == ("rtl" if locale == "ar" else "ltr")
        page.screenshot(
            path=str(SCREENSHOT_DIR / f"public-page-{width}-{locale}.png"), full_page=True
        )
        wide = page.evaluate(
            "Array.from(document.querySelectorAll('body *'))"
            ".filter(e => e.getBoundingClientRect().right > innerWidth + 0.5"
            " || e.getBoundingClientRect().left < -0.5).map(e => e.tagName + '.' + e.className)"
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= width, wide
        html = page.content()
        assert SECRET not in html
        assert "37001122" not in html
        # Three months in the trend, each a row with its bar.
        assert page.locator("#trend-title + table tbody tr").count() == 3
        assert page.locator("meter").count() >= 3
        if width == 1280 and locale == "en":
            staff = context.new_page()
            sign_in(staff, base, "manager")
            staff.wait_for_url("**/p/**")
            staff.goto(f"{base}/p/{project.slug}/public-page/")
            assert staff.evaluate("document.documentElement.scrollWidth") <= width
            staff.screenshot(
                path=str(SCREENSHOT_DIR / "public-settings-1280-en.png"), full_page=True
            )
            staff.goto(f"{base}/p/{project.slug}/public-page/ledger/")
            staff.screenshot(path=str(SCREENSHOT_DIR / "public-ledger-1280-en.png"), full_page=True)
        context.close()
