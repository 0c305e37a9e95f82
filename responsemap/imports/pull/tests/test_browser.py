"""The pull screens in the system Chromium: a KoboToolbox form with a repeat group,
its fields matched (the repeat's comment added to the text), its values recoded, the
first fetch; at 1280 and 390 px, and in Arabic (right to left) at 390 px.

Skipped without /usr/bin/chromium unless RESPONSEMAP_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

from typing import Any

import pytest

from responsemap.accounts.models import User
from responsemap.imports.pull import actions, running
from responsemap.imports.pull.tests.standin import StandIn
from responsemap.imports.pull.tests.test_pull import kobo_source, manager
from responsemap.imports.pull.tests.test_repeats import kobo_with_repeats
from responsemap.imports.tests.test_browser import SCREENSHOT_DIR, browser  # noqa: F401
from responsemap.projects.models import Project
from responsemap.protection.present import open_for_system
from responsemap.protection.system_opens import SystemPurpose
from responsemap.testing import PASSWORD
from responsemap.triage.models import Feedback

pytestmark = pytest.mark.browser


def signed_in(browser: Any, base: str, **context: Any) -> Any:  # noqa: F811
    page = browser.new_context(**context).new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", "manager")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def no_sideways_scroll(page: Any, name: str) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name} scrolls sideways"


def shots(page: Any, name: str) -> None:
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SCREENSHOT_DIR / f"{name}-{width}.png"), full_page=True)
        no_sideways_scroll(page, f"{name} at {width} px")
    page.set_viewport_size({"width": 1100, "height": 1000})


@pytest.mark.django_db(transaction=True)
def test_a_pulled_form_with_a_repeat_group_in_a_browser(
    browser: Any,  # noqa: F811
    live_server: Any,
    project: Project,
    personas: dict[str, User],
    standin: StandIn,
) -> None:
    base = str(live_server.url)
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    viewer = manager(personas, project)
    standin.kobo = kobo_with_repeats()
    source = kobo_source(project, viewer, standin)
    actions.do_set_pull_fields(source, running.sample_fields(source), viewer)
    mapping_url = f"{base}/p/{project.slug}/imports/pull/{source.pk}/mapping/"

    page = signed_in(browser, base, viewport={"width": 1100, "height": 1000})
    page.goto(mapping_url)
    assert page.is_checked("#repeats-form input[value=submission]")
    # The repeat group's comment, offered as more text, already ticked.
    assert page.is_checked("#more-text label:has-text('group_comments/comment') input")
    shots(page, "pull-mapping")
    page.select_option("select[name=col_type_code]", "group_feedback/type")
    page.click("text=Save and fetch now")
    page.wait_for_url("**/recodes/")
    shots(page, "pull-recodes")
    page.click("#recode-form button[type=submit]")
    page.wait_for_url(f"**/pull/{source.pk}/")
    records = Feedback.objects.filter(project=project, source="import")
    assert records.count() == 3
    texts = [open_for_system(f, "content", purpose=SystemPurpose.TEST) or "" for f in records]
    assert any("group_comments/comment: The tap leaks" in t for t in texts)

    arabic = signed_in(
        browser,
        base,
        viewport={"width": 390, "height": 900},
        locale="ar",
        extra_http_headers={"Accept-Language": "ar"},
    )
    for step in ("mapping", "recodes"):
        arabic.goto(f"{base}/p/{project.slug}/imports/pull/{source.pk}/{step}/")
        assert arabic.get_attribute("html", "dir") == "rtl"
        arabic.screenshot(path=str(SCREENSHOT_DIR / f"pull-{step}-ar-390.png"), full_page=True)
        no_sideways_scroll(arabic, f"pull {step} in Arabic")
