"""The first page a newcomer sees, sign-in, in the system Chromium: the product's header,
right to left in Arabic, no sideways scrolling on a phone.

Needs /usr/bin/chromium (Debian's ``chromium``). Without it the test is skipped, unless
RESPONSEMAP_REQUIRE_BROWSER=1 (CI) makes that a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SCREENSHOT_DIR = Path(os.environ.get("RESPONSEMAP_SCREENSHOT_DIR", "var/screenshots"))
WIDTHS = (390, 1280)

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("language", "direction"), [("ar", "rtl"), ("fr", "ltr")])
def test_sign_in_page_in_the_product_layout(
    browser: object, live_server: object, language: str, direction: str
) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        context = browser.new_context(  # type: ignore[attr-defined]
            locale=language, viewport={"width": width, "height": 800}
        )
        page = context.new_page()
        page.goto(f"{base}/accounts/login/")

        html = page.locator("html")
        assert html.get_attribute("lang") == language
        assert html.get_attribute("dir") == direction
        assert page.locator("header.topbar .brand").is_visible()
        assert page.locator("main.narrow h1").is_visible()
        assert page.locator("input[name=login]").is_visible()
        assert page.locator("a[href*='signup']").count() == 0
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{overflow}px of sideways scroll at {width}px"
        page.screenshot(path=str(SCREENSHOT_DIR / f"signin-{language}-{width}.png"), full_page=True)

        # "Forgot your password?" leads to a working page in the same layout.
        page.click("a[href$='/accounts/password/reset/']")
        page.wait_for_url("**/accounts/password/reset/")
        assert page.locator("header.topbar .brand").is_visible()
        assert page.locator("input[name=email]").is_visible()
        assert page.locator("html").get_attribute("dir") == direction
        context.close()
