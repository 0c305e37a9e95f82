"""A member of the public checks the stage of their message with its reference code, on
a phone-sized screen, in Arabic (right to left), then on a wide screen in English.

Needs /usr/bin/chromium (Debian's ``chromium``). Without it the test is skipped, unless
RESPONSEMAP_REQUIRE_BROWSER=1 (CI) makes that a failure.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from responsemap.projects.models import Project
from responsemap.triage.choices import Status
from responsemap.triage.models import Feedback

SCREENSHOT_DIR = Path(os.environ.get("RESPONSEMAP_SCREENSHOT_DIR", "var/screenshots"))
MESSAGE = "Kawsar from block D: the water tank at the school leaks since Monday"

pytestmark = pytest.mark.browser


def fits(page: object, width: int) -> bool:
    scroll = page.evaluate("document.documentElement.scrollWidth")  # type: ignore[attr-defined]
    return int(scroll) <= width


@pytest.mark.django_db(transaction=True)
def test_status_by_code_on_a_phone_in_arabic_and_wide_in_english(
    browser: object,
    live_server: object,
    project: Project,
    make_feedback: Callable[..., Feedback],
) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    project.languages = ["fr", "en", "ar"]
    project.save(update_fields=["languages"])
    record = make_feedback(MESSAGE)
    Feedback.objects.filter(pk=record.pk).update(status=Status.IN_PROGRESS)

    phone = browser.new_context(viewport={"width": 390, "height": 844})  # type: ignore[attr-defined]
    page = phone.new_page()
    page.goto(f"{base}/f/{project.slug}/status/?lang=ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("script").count() == 0
    assert fits(page, 390)
    page.screenshot(path=str(SCREENSHOT_DIR / "status_lookup_ar_390.png"), full_page=True)

    # Typed as people do: lower case, no dash.
    page.fill("input[name=code]", record.reference.replace("-", "").lower())
    page.click("button[type=submit]")
    page.wait_for_selector("#answer")
    assert page.locator("#stage").count() == 1
    assert record.reference in page.locator("#answer").inner_text()
    assert page.locator("input[name=code]").input_value() == ""  # the code not kept in the form
    body = page.content()
    assert "Kawsar" not in body
    assert "tank" not in body
    assert fits(page, 390)
    page.screenshot(path=str(SCREENSHOT_DIR / "status_lookup_ar_390_found.png"), full_page=True)

    page.fill("input[name=code]", "ACDE-FGHJ")
    page.click("button[type=submit]")
    page.wait_for_selector("#answer")
    assert page.locator("#stage").count() == 0
    assert fits(page, 390)
    page.screenshot(path=str(SCREENSHOT_DIR / "status_lookup_ar_390_unknown.png"), full_page=True)
    phone.close()

    wide = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = wide.new_page()
    page.goto(f"{base}/f/{project.slug}/status/?lang=en")
    page.fill("input[name=code]", record.reference)
    page.click("button:has-text('Check')")
    page.wait_for_selector("#answer")
    assert page.locator("#stage").inner_text() == "Being looked at"
    assert fits(page, 1280)
    page.screenshot(path=str(SCREENSHOT_DIR / "status_lookup_en_1280.png"), full_page=True)
    wide.close()
    assert Feedback.objects.count() == 1
