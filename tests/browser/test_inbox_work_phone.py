"""The inbox's work screens in the system Chromium, on a phone (390 px) and a wide screen,
in English and Arabic: records ticked with the keyboard and moved in bulk, filters saved
and listed, My work, and an operator's My calls; never a sideways scroll.

Needs /usr/bin/chromium; skipped without it unless RESPONSEMAP_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from responsemap.accounts.models import User
from responsemap.accounts.queries import viewer_for
from responsemap.projects.models import Project
from responsemap.triage.actions import NewFeedback, do_create_feedback
from responsemap.triage.models import Feedback
from tests.browser.test_flow import sign_in

SHOTS = Path(os.environ.get("RESPONSEMAP_SCREENSHOT_DIR", "var/screenshots"))
ARABIC = "لا يوجد ماء في المخيم منذ ثلاثة أيام"

pytestmark = pytest.mark.browser


def no_sideways_scroll(page: object, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # type: ignore[attr-defined]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("locale", ["en", "ar"])
def test_bulk_move_saved_filter_and_my_work_on_a_phone_and_wide(
    browser: object,
    live_server: object,
    project: Project,
    personas: dict[str, User],
    make_feedback: Callable[..., Feedback],
    locale: str,
) -> None:
    first = make_feedback("The water point in block 4 is broken", sector="wash")
    make_feedback(ARABIC, sector="wash", urgency="critical")
    Feedback.objects.filter(pk=first.pk).update(assignee=personas["officer"])
    base = str(live_server.url)  # type: ignore[attr-defined]
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((390, 844), (1280, 800)):
        page = browser.new_context(  # type: ignore[attr-defined]
            viewport={"width": width, "height": height}, locale=locale
        ).new_page()
        sign_in(page, base, "officer")
        page.goto(f"{base}/p/{project.slug}/inbox/?sector=wash")
        no_sideways_scroll(page, width)
        # Keyboard: focus the first record's box and tick it with the space bar.
        box = page.locator('input[name="ids"]').first
        box.focus()
        page.keyboard.press("Space")
        assert box.is_checked()
        page.screenshot(path=str(SHOTS / f"inbox-work-{width}-{locale}.png"), full_page=True)
        if width == 390:
            page.select_option('select[name="action"]', "status")
            page.select_option('select[name="to_status"]', "triaged")
            page.locator("#bulk button[type=submit]").click()
            page.wait_for_url("**/inbox/?sector=wash")
            assert page.locator(".messages, [role=status], .message").count() >= 0
            page.fill('input[name="name"]', "Eau — واش")
            page.locator(".save-filter button[type=submit]").click()
            page.wait_for_url("**/inbox/?sector=wash")
            assert page.locator(".saved-filters a", has_text="Eau").is_visible()
            no_sideways_scroll(page, width)
            page.screenshot(path=str(SHOTS / f"inbox-saved-{width}-{locale}.png"), full_page=True)
        page.goto(f"{base}/p/{project.slug}/my-work/")
        no_sideways_scroll(page, width)
        page.screenshot(path=str(SHOTS / f"my-work-{width}-{locale}.png"), full_page=True)
    assert Feedback.objects.filter(status="triaged").count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("locale", ["en", "ar"])
def test_my_calls_for_an_operator_on_a_phone_and_wide(
    browser: object,
    live_server: object,
    project: Project,
    personas: dict[str, User],
    locale: str,
) -> None:
    operator = viewer_for(personas["operator"], project.pk)
    for text in ("Pa gen dlo nan blok 4", ARABIC):
        do_create_feedback(
            project, NewFeedback(source="hotline", content=text, type_code="request"), operator
        )
    base = str(live_server.url)  # type: ignore[attr-defined]
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((390, 844), (1280, 800)):
        page = browser.new_context(  # type: ignore[attr-defined]
            viewport={"width": width, "height": height}, locale=locale
        ).new_page()
        sign_in(page, base, "operator")
        page.goto(f"{base}/p/{project.slug}/my-calls/")
        no_sideways_scroll(page, width)
        assert page.locator(".inbox-list tbody tr").count() == 2
        assert "Pa gen dlo" not in page.content()
        page.screenshot(path=str(SHOTS / f"my-calls-{width}-{locale}.png"), full_page=True)
