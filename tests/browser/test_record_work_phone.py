"""The record page's "Work on this record" card and notes on a phone (390 px), in the
system Chromium: the page never scrolls sideways, and a status change made there is
saved and shown (post, redirect, get).

Needs /usr/bin/chromium (Debian's ``chromium``). Without it the test is skipped, unless
RESPONSEMAP_REQUIRE_BROWSER=1 (CI) makes that a failure.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from responsemap.accounts.models import User
from responsemap.accounts.queries import viewer_for
from responsemap.projects.models import Project
from responsemap.triage.actions import do_add_note
from responsemap.triage.models import Feedback
from tests.browser.test_flow import sign_in

pytestmark = pytest.mark.browser
NOTE = "Rele moun nan demen maten; li di tiyo a kase depi lendi nan blok 4 kote lekòl la"


@pytest.mark.django_db(transaction=True)
def test_the_record_page_works_on_a_phone(
    browser: object,
    live_server: object,
    project: Project,
    personas: dict[str, User],
    make_feedback: Callable[..., Feedback],
) -> None:
    record = make_feedback("Pa gen dlo nan blok 4 depi lendi")
    viewer = viewer_for(personas["officer"], project.pk)
    assert viewer is not None
    do_add_note(viewer, record.pk, NOTE)
    base = str(live_server.url)  # type: ignore[attr-defined]
    phone = browser.new_context(viewport={"width": 390, "height": 844}).new_page()  # type: ignore[attr-defined]
    sign_in(phone, base, "officer")
    phone.wait_for_url(f"**/p/{project.slug}/inbox/")
    phone.goto(f"{base}/p/{project.slug}/feedback/{record.pk}/")
    assert phone.locator("#work").is_visible()
    assert phone.locator("#notes", has_text="Rele moun nan").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.select_option("#id_to_status", "triaged")
    phone.click("#work button:has-text('Change status')")
    phone.get_by_text("Saved.").wait_for()  # the page after the redirect
    record.refresh_from_db()
    assert record.status == "triaged"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
