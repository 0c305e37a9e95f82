"""What an officer is told of the protected cases they may not see (a count, nothing
else), and a suggestion shown as "possibly urgent" (below the alert bar), in the system
Chromium on a phone (390 px) and a wide screen, in English and Arabic; never a sideways
scroll.

Needs /usr/bin/chromium; skipped without it unless RESPONSEMAP_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from responsemap.accounts.models import User
from responsemap.projects.models import Project
from responsemap.triage.models import Feedback
from responsemap.triage.suggestions import loading
from responsemap.triage.suggestions.tests.test_bars import Fixed, suggested
from tests.browser.test_flow import sign_in

SHOTS = Path(os.environ.get("RESPONSEMAP_SCREENSHOT_DIR", "var/screenshots"))
HIDDEN = "the guard threatened her at the gate"

pytestmark = pytest.mark.browser


def no_sideways_scroll(page: Any, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("locale", ["en", "ar"])
def test_the_inbox_counts_protected_cases_and_says_possibly_urgent(
    browser: Any,
    live_server: Any,
    project: Project,
    personas: dict[str, User],
    make_feedback: Callable[..., Feedback],
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    locale: str,
) -> None:
    settings.RESPONSEMAP_SUGGESTIONS_AT_BIRTH = True
    monkeypatch.setattr(
        loading, "base_suggester", lambda: Fixed(suggested(urgent=True, urgent_confidence=0.3))
    )
    monkeypatch.setattr(loading, "_projects", {})
    shown = make_feedback("The water point in block 4 has been broken since Monday")
    hidden = [make_feedback(HIDDEN, sensitivity="sensitive") for _ in range(3)]
    base = str(live_server.url)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((390, 844), (1280, 800)):
        page = browser.new_context(
            viewport={"width": width, "height": height}, locale=locale
        ).new_page()
        sign_in(page, base, "officer")
        page.goto(f"{base}/p/{project.slug}/inbox/")
        notice = page.locator("#protected-not-shown")
        assert notice.is_visible()
        assert "3" in notice.inner_text() or "٣" in notice.inner_text()
        html = page.content()
        assert HIDDEN not in html
        for record in hidden:
            assert record.reference not in html
        assert shown.reference in html
        no_sideways_scroll(page, width)
        page.screenshot(
            path=str(SHOTS / f"inbox-protected-count-{width}-{locale}.png"), full_page=True
        )
        page.goto(f"{base}/p/{project.slug}/feedback/{shown.pk}/")
        assert page.locator("#suggestion").is_visible()
        no_sideways_scroll(page, width)
        page.locator("#suggestion").screenshot(
            path=str(SHOTS / f"suggestion-possibly-urgent-{width}-{locale}.png")
        )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("locale", ["en", "ar"])
def test_select_all_matching_confirms_the_count_on_a_phone_and_wide(
    browser: Any,
    live_server: Any,
    project: Project,
    personas: dict[str, User],
    make_feedback: Callable[..., Feedback],
    locale: str,
) -> None:
    for n in range(30):
        make_feedback(f"No rice at the distribution in block {n}", sector="food")
    base = str(live_server.url)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((390, 844), (1280, 800)):
        page = browser.new_context(
            viewport={"width": width, "height": height}, locale=locale
        ).new_page()
        sign_in(page, base, "officer")
        page.goto(f"{base}/p/{project.slug}/inbox/?sector=food")
        page.check("#bulk-everything")
        page.select_option('select[name="action"]', "status")
        page.select_option('select[name="to_status"]', "triaged" if width == 390 else "in_progress")
        no_sideways_scroll(page, width)
        page.locator("#bulk").screenshot(path=str(SHOTS / f"select-all-{width}-{locale}.png"))
        page.locator("#bulk button[type=submit]").click()
        count = page.locator("#bulk-count")
        assert count.is_visible()
        no_sideways_scroll(page, width)
        page.screenshot(
            path=str(SHOTS / f"select-all-confirm-{width}-{locale}.png"), full_page=True
        )
        page.locator("#bulk-confirm button[type=submit]").click()
        page.wait_for_url("**/inbox/?sector=food")
    assert Feedback.objects.filter(status="in_progress").count() == 30
