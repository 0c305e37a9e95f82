"""The inbox on a phone (390 px wide) and on a wide screen, in English, French and Arabic,
in the system Chromium: on the phone each record is a card, the page never scrolls
sideways, and the message is shown; on a wide screen it is a table.

Needs /usr/bin/chromium (Debian's ``chromium``). Without it the test is skipped, unless
RESPONSEMAP_REQUIRE_BROWSER=1 (CI) makes that a failure.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from responsemap.accounts.models import User
from responsemap.geo.models import AdminArea
from responsemap.projects.models import Project
from responsemap.triage.models import Feedback
from tests.browser.test_flow import sign_in

SCREENSHOT_DIR = Path(os.environ.get("RESPONSEMAP_SCREENSHOT_DIR", "var/screenshots"))
MESSAGE = "Pa gen dlo nan blok 4 depi lendi, tiyo a kase epi moun ap tann depi maten"
ARABIC = "لا يوجد ماء في المخيم منذ ثلاثة أيام والأطفال مرضى"

pytestmark = pytest.mark.browser


def display_of_rows(page: object) -> str:
    row = page.locator(".inbox-list tbody tr").first  # type: ignore[attr-defined]
    return str(row.evaluate("row => getComputedStyle(row).display"))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("locale", ["en", "fr", "ar"])
def test_inbox_is_cards_on_a_phone_and_a_table_on_a_wide_screen(
    browser: object,
    live_server: object,
    project: Project,
    personas: dict[str, User],
    area: AdminArea,
    make_feedback: Callable[..., Feedback],
    locale: str,
) -> None:
    make_feedback(MESSAGE, area=area, urgency="high", sector="wash")
    make_feedback(ARABIC, area=area, urgency="critical")
    base = str(live_server.url)  # type: ignore[attr-defined]
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)

    phone = browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": 390, "height": 844}, locale=locale
    ).new_page()
    sign_in(phone, base, "officer")
    phone.wait_for_url(f"**/p/{project.slug}/inbox/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    message = phone.locator("td.message", has_text="Pa gen dlo")
    assert message.is_visible()
    box = message.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 390
    assert phone.locator("td.message", has_text="لا يوجد ماء").is_visible()
    assert display_of_rows(phone) == "grid"  # a card
    phone.screenshot(path=str(SCREENSHOT_DIR / f"inbox-390-{locale}.png"), full_page=True)

    wide = browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": 1280, "height": 800}, locale=locale
    ).new_page()
    sign_in(wide, base, "officer")
    wide.wait_for_url(f"**/p/{project.slug}/inbox/")
    assert display_of_rows(wide) == "table-row"
    assert wide.evaluate("document.documentElement.scrollWidth") <= 1280
    assert wide.locator("td.message", has_text="Pa gen dlo").is_visible()
    wide.screenshot(path=str(SCREENSHOT_DIR / f"inbox-1280-{locale}.png"), full_page=False)
