"""Rules, alerts and the protection check in the system Chromium, at 390 and 1280 px,
in English and Arabic: an SMS-like record with a threat is hidden from the officer at
once, alerted to protection staff, confirmed on its page; the screens never scroll
sideways on a phone. Screenshots go to $RESPONSEMAP_SHOTS (default /tmp/shots/h2).

Needs /usr/bin/chromium (Debian's ``chromium``). Without it the test is skipped, unless
RESPONSEMAP_REQUIRE_BROWSER=1 (CI) makes that a failure.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from responsemap.accounts.models import User
from responsemap.projects.models import Project
from responsemap.triage.alerts.models import Notification
from responsemap.triage.models import Feedback
from tests.browser.test_flow import sign_in

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("RESPONSEMAP_SHOTS", "/tmp/shots/h2"))  # noqa: S108 (screenshots)
THREAT = "Le gardien m'a menacée avec un couteau près des latrines"


def check(page: object, width: int, locale: str, name: str) -> None:
    """Direction by language, no sideways scroll on a phone, a full-page screenshot."""
    html = page.locator("html")  # type: ignore[attr-defined]
    assert html.get_attribute("dir") == ("rtl" if locale == "ar" else "ltr")
    if width == 390:
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, name  # type: ignore[attr-defined]
    page.screenshot(path=str(SHOTS / f"{name}_{locale}_{width}.png"), full_page=True)  # type: ignore[attr-defined]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("locale", ["en", "ar"])
def test_alert_to_protection_check_on_a_phone_and_a_desk(
    browser: object,
    live_server: object,
    project: Project,
    personas: dict[str, User],
    make_feedback: Callable[..., Feedback],
    locale: str,
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    record = make_feedback(THREAT)  # transaction=True: the alert task ran after commit
    assert (record.sensitivity, record.sensitivity_review) == ("sensitive", "to_confirm")
    assert Notification.objects.filter(user=personas["protection"]).exists()
    make_feedback("Le pont est tombé sur la route du camp", urgency="critical")
    base = str(live_server.url)  # type: ignore[attr-defined]
    detail = f"{base}/p/{project.slug}/feedback/{record.pk}/"
    for width in (390, 1280):
        context = browser.new_context(  # type: ignore[attr-defined]
            locale=locale, viewport={"width": width, "height": 900}
        )
        page = context.new_page()

        sign_in(page, base, "protection")
        page.wait_for_url(f"**/p/{project.slug}/**")
        page.goto(f"{base}/p/{project.slug}/notifications/")
        assert page.locator("#unread-count").inner_text().strip().endswith("2")
        assert page.get_by_text(record.reference).is_visible()
        check(page, width, locale, "notifications")
        page.goto(detail)
        assert page.locator("#raised-by-rule").is_visible() == (width == 390)
        check(page, width, locale, "record_protection_check")
        page.locator("#protection-check").screenshot(
            path=str(SHOTS / f"protection_card_{locale}_{width}.png")
        )
        if width == 390:
            page.click(
                "#protection-check button:has-text('Confirm')"
                if locale == "en"
                else "#protection-check form:first-of-type button"
            )
            page.wait_for_load_state()
            record.refresh_from_db()
            assert record.sensitivity_review == "confirmed"
        context.close()
        # The officer: the threat is not on their list at all; the bridge is.
        context = browser.new_context(  # type: ignore[attr-defined]
            locale=locale, viewport={"width": width, "height": 900}
        )
        page = context.new_page()
        sign_in(page, base, "officer")
        page.wait_for_url(f"**/p/{project.slug}/**")
        page.goto(f"{base}/p/{project.slug}/notifications/?show=all")
        assert page.get_by_text(record.reference).count() == 0
        assert page.locator("#unread-count").count() == 1
        check(page, width, locale, "notifications_officer")
        context.close()
        # The manager: rules and alert settings.
        context = browser.new_context(  # type: ignore[attr-defined]
            locale=locale, viewport={"width": width, "height": 900}
        )
        page = context.new_page()
        sign_in(page, base, "manager")
        page.wait_for_url(f"**/p/{project.slug}/**")
        page.goto(f"{base}/p/{project.slug}/rules/")
        check(page, width, locale, "rules")
        page.goto(f"{base}/p/{project.slug}/rules/new/")
        check(page, width, locale, "rule_new")
        page.goto(f"{base}/p/{project.slug}/alert-settings/")
        check(page, width, locale, "alert_settings")
        context.close()
