"""SMS alerts to staff phones in the system Chromium, at 390 and 1280 px, in English and
Arabic: an officer records their phone on their own page (shown masked), types back the
code texted to it, and the alert of an urgent record then shows how its texts fared; the
manager's alert settings carry "also by SMS" and its channel. No screen scrolls sideways
on a phone. Screenshots go to $RESPONSEMAP_SHOTS (default /tmp/shots/staff_sms).

Kannel's sendsms is answered by ``responses`` (in this process, so the live server's
thread sees it too). Needs /usr/bin/chromium; skipped without it unless
RESPONSEMAP_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
import responses

from responsemap.accounts.models import StaffPhone, User
from responsemap.lib.clock import FakeClock
from responsemap.projects.models import Project
from responsemap.triage.alerts.models import StaffSms
from responsemap.triage.alerts.tests.staff_phones import (
    STAFF_NUMBERS,
    code_in,
    gateway,
    sent,
    sms_channel,
    texting_policy,
    verify_phone,
)
from responsemap.triage.models import Feedback
from tests.browser.test_flow import sign_in

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("RESPONSEMAP_SHOTS", "/tmp/shots/staff_sms"))  # noqa: S108
NUMBER = "+50937123456"


def check(page: object, width: int, locale: str, name: str) -> None:
    html = page.locator("html")  # type: ignore[attr-defined]
    assert html.get_attribute("dir") == ("rtl" if locale == "ar" else "ltr")
    if width == 390:
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, name  # type: ignore[attr-defined]
    page.screenshot(path=str(SHOTS / f"{name}_{locale}_{width}.png"), full_page=True)  # type: ignore[attr-defined]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("locale", ["en", "ar"])
def test_phone_page_settings_and_alert_texts(
    browser: object,
    live_server: object,
    project: Project,
    personas: dict[str, User],
    make_feedback: Callable[..., Feedback],
    clock: FakeClock,
    locale: str,
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    texting_policy(project, sms_channel(project))
    verify_phone(personas["protection"], STAFF_NUMBERS["protection"])
    base = str(live_server.url)  # type: ignore[attr-defined]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        gateway(rsps)
        for width in (390, 1280):
            clock.advance(61)  # a new code for the same person: not within the minute
            StaffPhone.objects.filter(user=personas["officer"]).delete()
            rsps.calls.reset()
            context = browser.new_context(  # type: ignore[attr-defined]
                locale=locale, viewport={"width": width, "height": 900}
            )
            page = context.new_page()
            sign_in(page, base, "officer")
            page.wait_for_url(f"**/p/{project.slug}/**")
            page.goto(f"{base}/me/phone/")
            check(page, width, locale, "phone_empty")
            page.fill("#id_number", "+509 3712 3456")
            page.click("form.card button[type=submit]")
            page.wait_for_load_state()
            assert page.locator(".phone-masked").inner_text().strip() == "+509 •••• ••56"
            assert NUMBER not in page.content()
            check(page, width, locale, "phone_unconfirmed")
            [message] = sent(rsps)
            page.fill("#id_code", code_in(message.text))
            page.click("form[action$='/confirm/'] button")
            page.wait_for_load_state()
            assert StaffPhone.objects.get(user=personas["officer"]).verified_at is not None
            check(page, width, locale, "phone_confirmed")
            context.close()

        make_feedback("Le pont est tombé sur la route du camp", urgency="critical")
        assert StaffSms.objects.filter(state="sent").count() == 2
        for width in (390, 1280):
            context = browser.new_context(  # type: ignore[attr-defined]
                locale=locale, viewport={"width": width, "height": 900}
            )
            page = context.new_page()
            sign_in(page, base, "protection")
            page.wait_for_url(f"**/p/{project.slug}/**")
            page.goto(f"{base}/p/{project.slug}/notifications/")
            assert page.locator(".sms-status").count() == 1
            check(page, width, locale, "notifications_sms")
            context.close()
            context = browser.new_context(  # type: ignore[attr-defined]
                locale=locale, viewport={"width": width, "height": 900}
            )
            page = context.new_page()
            sign_in(page, base, "manager")
            page.wait_for_url(f"**/p/{project.slug}/**")
            page.goto(f"{base}/p/{project.slug}/alert-settings/")
            assert page.locator("#id_sms_enabled").is_checked()
            check(page, width, locale, "alert_settings_sms")
            context.close()
