"""Three screens of last review's fixes in the system Chromium, at 390 and 1280 px, in
English and Arabic, never a sideways scroll:

* redaction settings: the warning for an ID pattern that ran out of time (a count, no
  message), and a runaway pattern refused with its reason;
* the consent notice's versions, paged and filtered;
* the public form sent with a mistake: a 400, the form again with the reason, in the
  person's language.

Screenshots go to RESPONSEMAP_SCREENSHOT_DIR (default var/screenshots) for a person to
look at. Needs /usr/bin/chromium; skipped without it unless RESPONSEMAP_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from responsemap.accounts.models import User
from responsemap.intake.contacts.actions import do_set_redaction_settings
from responsemap.intake.contacts.models import ConsentNotice, IdPatternTimeout, IntakePolicy
from responsemap.lib.clock import FakeClock
from responsemap.projects.models import Project
from tests.browser.test_flow import sign_in

SHOTS = Path(os.environ.get("RESPONSEMAP_SCREENSHOT_DIR", "var/screenshots"))
SIZES = ((390, 844), (1280, 800))
MIN_SECONDS = 3.2  # the public form refuses anything sent sooner (public_guard)

pytestmark = pytest.mark.browser


def _page(browser: Any, width: int, height: int, locale: str) -> Any:
    return browser.new_context(
        viewport={"width": width, "height": height}, locale=locale
    ).new_page()


def _fits(page: Any, width: int) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth") <= width)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("locale", ["en", "ar"])
def test_redaction_settings_warn_of_a_pattern_out_of_time_and_refuse_a_runaway_one(
    browser: Any, live_server: Any, project: Project, personas: dict[str, User], locale: str
) -> None:
    base = str(live_server.url)
    url = f"{base}/p/{project.slug}/intake/redaction/"
    pattern = "KR/\\d{2}/\\d{4}"
    do_set_redaction_settings(
        project_id=project.pk, id_patterns=[pattern], cue_words=[], keep_words=[]
    )
    now = timezone.now()
    IdPatternTimeout.objects.create(
        project=project, pattern=pattern, count=3, first_at=now, last_at=now
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in SIZES:
        page = _page(browser, width, height, locale)
        sign_in(page, base, "manager")
        page.goto(url)
        warning = page.locator("#pattern-timeouts").locator("..").inner_text()
        assert "KR/" in warning
        assert "3" in warning
        page.fill('textarea[name="id_patterns"]', "(a+)+$")
        page.locator("#redaction-settings > button[type=submit]").click()
        page.locator(".error").first.wait_for()
        assert "(a+)+$" in page.locator(".error").first.inner_text()
        assert IntakePolicy.objects.get(project=project).id_patterns == [pattern]
        assert _fits(page, width)
        page.screenshot(path=str(SHOTS / f"pattern-limits-{width}-{locale}.png"), full_page=True)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("locale", ["en", "ar"])
def test_consent_notice_versions_are_paged_and_filtered(
    browser: Any, live_server: Any, project: Project, personas: dict[str, User], locale: str
) -> None:
    base = str(live_server.url)
    url = f"{base}/p/{project.slug}/intake/consent-notice/"
    project.languages = ["ar", "en"]
    project.save(update_fields=["languages"])
    ConsentNotice.objects.bulk_create(
        [
            ConsentNotice(
                project=project,
                language="en",
                version=n,
                text=f"We are the camp feedback team (version {n}). Send STOP to stop.",
            )
            for n in range(1, 46)
        ]
        + [
            ConsentNotice(
                project=project,
                language="ar",
                version=n,
                text=f"نحن فريق الملاحظات في المخيم (النسخة {n}). أرسل STOP للإيقاف.",
            )
            for n in range(1, 4)
        ]
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in SIZES:
        page = _page(browser, width, height, locale)
        sign_in(page, base, "manager")
        page.goto(url)
        assert page.locator("#notice-versions tbody tr").count() == 20
        page.locator('nav.pager a[href$="page=3"]').first.click()
        page.wait_for_url("**page=3")
        assert page.locator("#notice-versions tbody tr").count() == 8
        assert _fits(page, width)
        page.screenshot(path=str(SHOTS / f"notice-versions-{width}-{locale}.png"), full_page=True)
        page.goto(url)
        page.select_option('select[name="show"]', "current")
        page.locator("form.filters button[type=submit]").click()
        page.wait_for_url("**show=current**")
        rows = page.locator("#notice-versions tbody tr")
        assert rows.count() == 2
        assert "ar-v3" in rows.first.inner_text()
        assert _fits(page, width)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "ar"])
def test_public_form_sent_with_a_mistake_comes_back_with_the_reason(
    browser: Any, live_server: Any, project: Project, clock: FakeClock, language: str
) -> None:
    base = str(live_server.url)
    project.languages = ["fr", "en", "ar"]
    project.save(update_fields=["languages"])
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in SIZES:
        context = browser.new_context(
            java_script_enabled=False, viewport={"width": width, "height": height}
        )
        page = context.new_page()
        page.goto(f"{base}/f/{project.slug}/?lang={language}")
        page.fill("textarea[name=content]", "The tap in block D is broken.")
        page.fill("input[name=phone]", "call me maybe")
        page.check("input[name=keep_contact]")
        clock.advance(MIN_SECONDS)  # the live server reads the same clock: no waiting
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            page.locator("form button[type=submit]").last.click()
        assert answer.value.status == 400
        assert page.locator("html").get_attribute("lang") == language
        assert page.locator("[aria-invalid=true]").count() >= 1
        assert page.input_value("textarea[name=content]") == "The tap in block D is broken."
        assert _fits(page, width)
        page.screenshot(path=str(SHOTS / f"public-form-400-{width}-{language}.png"), full_page=True)
        context.close()
