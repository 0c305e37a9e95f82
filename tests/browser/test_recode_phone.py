"""Re-coding a record from its page on a phone (390 px), in the system Chromium: the
"Coding" card never makes the page scroll sideways, and the codes chosen there are saved
and shown in the project's words (post, redirect, get).

Needs /usr/bin/chromium (Debian's ``chromium``). Without it the test is skipped, unless
RESPONSEMAP_REQUIRE_BROWSER=1 (CI) makes that a failure.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from responsemap.accounts.models import User
from responsemap.accounts.queries import viewer_for
from responsemap.projects.models import Project
from responsemap.triage.coding.actions import do_add_code
from responsemap.triage.coding.models import Kind
from responsemap.triage.models import Feedback
from tests.browser.test_flow import sign_in

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_an_officer_recodes_a_record_on_a_phone(
    browser: object,
    live_server: object,
    project: Project,
    personas: dict[str, User],
    make_feedback: Callable[..., Feedback],
) -> None:
    manager = viewer_for(personas["manager"], project.pk)
    assert manager is not None
    do_add_code(manager, Kind.TOPIC, "water-point", "Water point", {"fr": "Point d'eau"})
    record = make_feedback("Pa gen dlo nan blok 4 depi lendi", type_code="question", sector="wash")
    base = str(live_server.url)  # type: ignore[attr-defined]
    phone = browser.new_context(viewport={"width": 390, "height": 844}).new_page()  # type: ignore[attr-defined]
    sign_in(phone, base, "officer")
    phone.wait_for_url(f"**/p/{project.slug}/inbox/")
    phone.goto(f"{base}/p/{project.slug}/feedback/{record.pk}/")
    assert phone.locator("#coding").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    card = phone.locator("#coding")
    card.locator("select[name=type_code]").select_option("complaint")
    card.locator("select[name=topic]").select_option("water-point")
    card.locator("button:has-text('Save codes')").click()
    phone.get_by_text("Saved.").wait_for()  # the page after the redirect
    record.refresh_from_db()
    assert (record.type_code, record.sector, record.topic) == ("complaint", "wash", "water-point")
    # The form shows the codes saved, in the project's words.
    chosen = card.locator("select[name=topic] option:checked").inner_text()
    assert chosen == "Water point"
    assert card.locator("select[name=type_code] option:checked").inner_text() == "Complaint"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
