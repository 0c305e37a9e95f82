"""The screens this round changed, in the system Chromium at 1280 and 390 px, in
English and Arabic: an expired import's page, and the connection form refusing an
address. Skipped without /usr/bin/chromium unless RESPONSEMAP_REQUIRE_BROWSER=1."""

from __future__ import annotations

from typing import Any

import pytest

from responsemap.accounts.models import User
from responsemap.imports.models import ImportJob
from responsemap.imports.tests.kobo import GOOD, csv_bytes
from responsemap.imports.tests.test_browser import SCREENSHOT_DIR, browser  # noqa: F401
from responsemap.imports.transitions import move_job
from responsemap.projects.models import Project
from responsemap.testing import PASSWORD

pytestmark = pytest.mark.browser


def _signed_in(browser: Any, base: str, width: int, language: str, login: str) -> Any:  # noqa: F811
    page = browser.new_context(
        viewport={"width": width, "height": 900},
        locale=language,
        extra_http_headers={"Accept-Language": language},
    ).new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def _no_sideways_scroll(page: Any) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0


@pytest.mark.django_db(transaction=True)
def test_an_expired_import_and_a_refused_address_in_a_browser(
    browser: Any,  # noqa: F811
    live_server: Any,
    project: Project,
    personas: dict[str, User],
    settings: Any,
) -> None:
    from responsemap.accounts.queries import viewer_for
    from responsemap.imports import actions

    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    base = str(live_server.url)
    viewer = viewer_for(personas["officer"], project.pk)
    assert viewer is not None
    job = actions.do_create_import_job(
        project=project, file_name="kobo-export.csv", data=csv_bytes(GOOD), actor=viewer
    )
    assert move_job(job, actions.EDITABLE, ImportJob.State.EXPIRED, action="import.expire",
                    fields=["content"], content=None)  # fmt: skip
    settings.RESPONSEMAP_PULL_ALLOWED_NETWORKS = []
    for language in ("en", "ar"):
        for width in (1280, 390):
            page = _signed_in(browser, base, width, language, "officer")
            page.goto(f"{base}/p/{project.slug}/imports/{job.pk}/")
            if language == "en":
                assert "never started" in page.inner_text("main")
            else:
                assert page.get_attribute("html", "dir") == "rtl"
            page.screenshot(
                path=str(SCREENSHOT_DIR / f"import-expired-{language}-{width}.png"),
                full_page=True,
            )
            _no_sideways_scroll(page)
            page.context.close()

            page = _signed_in(browser, base, width, language, "manager")
            page.goto(f"{base}/p/{project.slug}/imports/pull/connect/")
            page.fill("input[name=name]", "Camp feedback")
            page.fill("input[name=server_url]", "http://169.254.169.254")
            page.check("input[name=kind][value=kobo]")
            page.fill("input[name=asset_uid]", "aXecHjmbATuF6iGFmvBLBX")
            page.fill("input[name=token]", "kobo-token-0123456789abcdef")
            page.click("main form button[type=submit]")
            page.wait_for_load_state()
            if language == "en":
                assert "can't be fetched from" in page.inner_text("main")
            page.screenshot(
                path=str(SCREENSHOT_DIR / f"pull-refused-address-{language}-{width}.png"),
                full_page=True,
            )
            _no_sideways_scroll(page)
            page.context.close()
