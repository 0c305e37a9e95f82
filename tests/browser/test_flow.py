"""The flow a person uses, in the system Chromium: a call typed in by the operator, found in
the inbox by the feedback officer, revealed with a reason, and seen in the audit trail.

Needs /usr/bin/chromium (Debian's ``chromium``). Without it the test is skipped, unless
RESPONSEMAP_REQUIRE_BROWSER=1 (CI) makes that a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from responsemap.accounts.models import User
from responsemap.geo.models import AdminArea
from responsemap.projects.models import Project
from responsemap.testing import PASSWORD

MESSAGE = "My name is Jak Pierre, no water in block 4 since Monday. Call me on 3798 1234"
SCREENSHOT_DIR = Path(os.environ.get("RESPONSEMAP_SCREENSHOT_DIR", "var/screenshots"))

pytestmark = pytest.mark.browser


def sign_in(page: object, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")  # type: ignore[attr-defined]
    page.fill("input[name=login]", username)  # type: ignore[attr-defined]
    page.fill("input[name=password]", PASSWORD)  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]


@pytest.mark.django_db(transaction=True)
def test_call_to_inbox_to_reveal_to_audit(
    browser: object,
    live_server: object,
    project: Project,
    personas: dict[str, User],
    area: AdminArea,
) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)

    operator = browser.new_context(viewport={"width": 1100, "height": 900}).new_page()  # type: ignore[attr-defined]
    sign_in(operator, base, "operator")
    operator.wait_for_url(f"**/p/{project.slug}/hotline/")
    operator.check("input[name=consent][value=yes]")
    operator.fill("input[name=witness_name]", "Marie, duty officer")  # verbal consent's witness
    operator.fill("input[name=phone]", "3798 1234")
    operator.fill("textarea[name=content]", MESSAGE)
    operator.select_option("select[name=area]", str(area.pk))
    operator.select_option("select[name=type_code]", "complaint")
    operator.select_option("select[name=urgency]", "high")
    operator.screenshot(path=str(SCREENSHOT_DIR / "hotline.png"), full_page=True)
    operator.click("button:has-text('Save call')")
    banner = operator.locator(".messages").inner_text()
    reference = banner.split("Reference ")[1].split(" ")[0]

    officer = browser.new_context(viewport={"width": 1100, "height": 800}).new_page()  # type: ignore[attr-defined]
    sign_in(officer, base, "officer")
    officer.wait_for_url(f"**/p/{project.slug}/inbox/")
    row = officer.locator("tr", has_text=reference)
    assert row.count() == 1
    assert "Jak Pierre" not in officer.content()
    assert "[NAME]" in row.inner_text()  # the redacted copy, written by the worker
    officer.screenshot(path=str(SCREENSHOT_DIR / "inbox.png"), full_page=False)

    row.locator("a").first.click()
    assert "Jak Pierre" not in officer.content()
    assert "3798" not in officer.content()
    officer.fill("input[name=reason]", "Calling back about the water point")
    officer.fill("input[name=password]", PASSWORD)
    officer.click("form.card button:has-text('Reveal')")
    assert MESSAGE in officer.locator("#revealed-content").inner_text()
    officer.screenshot(path=str(SCREENSHOT_DIR / "revealed.png"), full_page=True)

    officer.click("text=Audit trail of this record")
    reveal_row = officer.locator("tr.audit-row", has_text="Revealed")
    assert reveal_row.count() == 1
    assert "Calling back about the water point" in reveal_row.inner_text()
    officer.screenshot(path=str(SCREENSHOT_DIR / "audit.png"), full_page=True)
