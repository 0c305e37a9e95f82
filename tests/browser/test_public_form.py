"""A member of the public sends a message through the web form with JavaScript turned off,
on a phone-sized screen, and gets a reference code.

Needs /usr/bin/chromium (Debian's ``chromium``). Without it the test is skipped, unless
RESPONSEMAP_REQUIRE_BROWSER=1 (CI) makes that a failure.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from responsemap.geo.models import AdminArea
from responsemap.intake.contacts.actions import do_set_consent_notice
from responsemap.lib.clock import FakeClock
from responsemap.projects.models import Project
from responsemap.triage.models import Feedback

MESSAGE = "The water at the Delmas 33 point smells bad since the rain. Please check it."
SCREENSHOT_DIR = Path(os.environ.get("RESPONSEMAP_SCREENSHOT_DIR", "var/screenshots"))
# The form refuses anything sent sooner than this after it was served (public_guard).
MIN_SECONDS = 3.2

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_public_form_without_javascript(
    browser: object, live_server: object, project: Project, area: AdminArea, clock: FakeClock
) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    project.languages = ["fr", "en", "ar"]
    project.purpose = (
        "Listen to people in the camps about water, food and shelter, answer their "
        "questions, and fix what goes wrong."
    )
    project.save(update_fields=["languages", "purpose"])
    do_set_consent_notice(
        project_id=project.pk,
        language="en",
        text=(
            "The project team reads your message to answer it and to improve the aid. "
            "We keep your phone number only if you allow it, and never share it."
        ),
    )

    context = browser.new_context(  # type: ignore[attr-defined]
        java_script_enabled=False, viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    page.goto(f"{base}/f/{project.slug}/?lang=en")
    assert page.locator("script").count() == 0
    assert "never share it" in page.locator("#consent-notice").inner_text()
    trap = page.locator("input[name=website]").bounding_box()
    assert trap is not None
    assert trap["x"] + trap["width"] <= 0  # the honeypot is drawn off-screen

    page.fill("textarea[name=content]", MESSAGE)
    page.select_option("select[name=area]", str(area.pk))
    page.fill("input[name=phone]", "3798 1234")
    page.check("input[name=keep_contact]")
    page.screenshot(path=str(SCREENSHOT_DIR / "public_form.png"), full_page=True)

    clock.advance(MIN_SECONDS)  # the live server reads the same clock: no waiting
    page.click("button:has-text('Send message')")
    page.wait_for_url(f"**/f/{project.slug}/thanks/**")
    reference = page.locator("#reference").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", reference)
    record = Feedback.objects.get(reference=reference)
    assert record.source == "web"
    assert record.area_id == area.pk
    assert record.contact_id is not None
    body = page.content()
    assert "Delmas" not in body
    assert "3798" not in body
    page.screenshot(path=str(SCREENSHOT_DIR / "public_thanks.png"), full_page=True)

    page.reload()  # a refresh shows the code again and sends nothing
    assert page.locator("#reference").inner_text().strip() == reference
    page.click("a[hreflang=fr]")  # so does switching the language
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("#reference").inner_text().strip() == reference
    assert Feedback.objects.count() == 1

    page.goto(f"{base}/f/{project.slug}/?lang=ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.screenshot(path=str(SCREENSHOT_DIR / "public_form_rtl.png"), full_page=True)

    wide = browser.new_context(  # type: ignore[attr-defined]
        java_script_enabled=False, viewport={"width": 1100, "height": 900}
    ).new_page()
    wide.goto(f"{base}/f/{project.slug}/?lang=en")
    wide.screenshot(path=str(SCREENSHOT_DIR / "public_form_wide.png"), full_page=True)
    context.close()
