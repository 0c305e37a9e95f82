"""The manager's redaction settings in the system Chromium, on a phone (390 px) and a wide
screen, in English and Arabic: a sample tried before saving (the preview comes in place,
nothing saved), then the settings saved; never a sideways scroll.

Needs /usr/bin/chromium; skipped without it unless RESPONSEMAP_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from responsemap.accounts.models import User
from responsemap.intake.contacts.models import IntakePolicy
from responsemap.projects.models import Project
from tests.browser.test_flow import sign_in

SHOTS = Path(os.environ.get("RESPONSEMAP_SCREENSHOT_DIR", "var/screenshots"))
SAMPLE = "My name is Achieng Odera, call 0712 345 678. Ration card KR/88/1203. شكرا، اسمي رهف"

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("locale", ["en", "ar"])
def test_try_a_sample_then_save(
    browser: object,
    live_server: object,
    project: Project,
    personas: dict[str, User],
    locale: str,
) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]
    url = f"{base}/p/{project.slug}/intake/redaction/"
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((390, 844), (1280, 800)):
        page = browser.new_context(  # type: ignore[attr-defined]
            viewport={"width": width, "height": height}, locale=locale
        ).new_page()
        sign_in(page, base, "manager")
        page.goto(url)
        page.fill('textarea[name="keep_words"]', "Kalobeyei")
        page.fill('textarea[name="sample"]', SAMPLE)
        page.locator('button[name="preview"]').click()
        preview = page.locator("#redaction-preview .preview")
        preview.wait_for()
        shown = preview.inner_text()
        assert "[NAME]" in shown
        assert "[PHONE]" in shown
        assert "[ID]" in shown
        assert "Achieng" not in shown
        assert page.url == url  # tried in place, not submitted
        assert not IntakePolicy.objects.filter(project=project).exists()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shot = SHOTS / f"redaction-settings-{width}-{locale}.png"
        page.screenshot(path=str(shot), full_page=True)
        page.locator("#redaction-settings > button[type=submit]").click()
        page.wait_for_url(url)
        assert IntakePolicy.objects.get(project=project).redaction_keep_words == ["Kalobeyei"]
        IntakePolicy.objects.filter(project=project).delete()
