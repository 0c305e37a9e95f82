"""Consent as the guidance describes it, in the system Chromium, in English and Arabic, at
390 and 1280 px: an operator reads the notice out and records a verbal consent with its
witness and a yes or no per purpose on the hotline form; a member of the public ticks
purposes on the web form (no JavaScript); an officer sees the person's consents on the
record page and records a withdrawal of one purpose. No page scrolls sideways;
screenshots go to RESPONSEMAP_SHOTS (when set) for a person to look at.

Needs /usr/bin/chromium (Debian's ``chromium``). Without it the test is skipped, unless
RESPONSEMAP_REQUIRE_BROWSER=1 (CI) makes that a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from responsemap.accounts.models import User
from responsemap.intake.contacts.actions import do_set_consent_notice
from responsemap.intake.contacts.models import ConsentRecord
from responsemap.lib.clock import FakeClock
from responsemap.projects.models import Project
from responsemap.triage.models import Feedback
from tests.browser.test_flow import sign_in

pytestmark = pytest.mark.browser
CALL = "Pa gen dlo nan kan an depi twa jou, timoun yo malad"
WEB = "The water at the Delmas 33 point smells bad since the rain."
WITNESS = "Marie-Ange Duval"
# The web form refuses anything sent sooner than this after it was served (public_guard).
MIN_SECONDS = 3.2
NOTICES = {
    "en": (
        "We keep what you tell us to answer you and to improve the aid.",
        "With partner clinics, only for your case and only if you agree.",
        "You may ask to see, correct or erase what we hold, or withdraw, on 3100.",
    ),
    "ar": (
        "نحتفظ بما تخبرنا به للرد عليك ولتحسين المساعدة.",
        "مع العيادات الشريكة، لحالتك فقط وبموافقتك فقط.",
        "يمكنك أن تطلب رؤية بياناتك أو تصحيحها أو محوها، أو سحب موافقتك.",
    ),
}


def shoot(page: object, name: str) -> None:
    folder = os.environ.get("RESPONSEMAP_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)  # type: ignore[attr-defined]


def shoot_card(card: object, name: str) -> None:
    folder = os.environ.get("RESPONSEMAP_SHOTS")
    if folder:
        card.screenshot(path=f"{folder}/{name}.png")  # type: ignore[attr-defined]


def no_sideways_scroll(page: object, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # type: ignore[attr-defined]


def set_up(project: Project) -> None:
    project.languages = ["en", "ar", "fr"]
    project.save(update_fields=["languages"])
    for language, (text, sharing, rights) in NOTICES.items():
        do_set_consent_notice(
            project_id=project.pk, language=language, text=text, sharing=sharing, rights=rights
        )


@pytest.mark.parametrize("locale", ["en", "ar"])
@pytest.mark.django_db(transaction=True)
def test_hotline_verbal_consent_then_the_record_page(
    browser: object,
    live_server: object,
    project: Project,
    personas: dict[str, User],
    locale: str,
) -> None:
    set_up(project)
    base = str(live_server.url)  # type: ignore[attr-defined]
    slug = project.slug

    wide = browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": 1280, "height": 900}, locale=locale
    ).new_page()
    sign_in(wide, base, "operator")
    wide.goto(f"{base}/p/{slug}/hotline/")
    notices = wide.locator("#consent-notices")
    assert NOTICES["en"][1] in notices.inner_text()  # sharing, open to read out
    assert NOTICES["ar"][2] in (notices.text_content() or "")  # rights, one click away
    wide.check(f"input[name=notice_version][value={locale}-v1]")
    wide.check("input[name=consent][value=yes]")
    wide.check("input[name=consent_kind][value=verbal]")
    wide.check("input[name=follow_up_surveys][value=yes]")
    wide.check("input[name=publish_aggregates][value=yes]")
    wide.fill("input[name=phone]", "3798 1234")
    wide.fill("textarea[name=content]", CALL)
    wide.select_option("select[name=type_code]", "complaint")
    # Saved without the witness: said in words, nothing stored.
    wide.click("button[type=submit][accesskey=s]")
    assert wide.locator("#consent .errorlist").count() == 1
    assert not Feedback.objects.exists()
    wide.fill("input[name=witness_name]", WITNESS)
    no_sideways_scroll(wide, 1280)
    shoot(wide, f"consent_hotline_1280_{locale}")
    wide.click("button[type=submit][accesskey=s]")
    wide.wait_for_selector(".messages")
    record = Feedback.objects.get()
    agreed = ConsentRecord.objects.get(given=True)
    assert agreed.purposes == ["respond", "follow_up_surveys", "publish_aggregates"]
    assert agreed.notice_version == f"{locale}-v1"
    assert ConsentRecord.objects.get(given=False).purposes == ["share_with_partners"]

    phone = browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": 390, "height": 844}, locale=locale
    ).new_page()
    sign_in(phone, base, "operator")
    phone.goto(f"{base}/p/{slug}/hotline/")
    phone.check("input[name=consent][value=yes]")
    no_sideways_scroll(phone, 390)
    shoot(phone, f"consent_hotline_390_{locale}")

    # The officer sees each purpose's standing and withdraws surveys, on a phone.
    officer = browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": 390, "height": 844}, locale=locale
    ).new_page()
    sign_in(officer, base, "officer")
    officer.goto(f"{base}/p/{slug}/feedback/{record.pk}/")
    card = officer.locator("#consent")
    assert WITNESS not in card.inner_text()
    no_sideways_scroll(officer, 390)
    card.locator("select[name=purpose]").select_option("follow_up_surveys")
    card.locator("input[name=answer][value=withdraw]").check()
    card.locator("button[type=submit]").click()
    officer.wait_for_selector(".messages")
    latest = ConsentRecord.objects.order_by("-recorded_at", "-pk").first()
    assert latest is not None
    assert (latest.given, latest.purposes) == (False, ["follow_up_surveys"])
    officer.locator("#consent").scroll_into_view_if_needed()
    no_sideways_scroll(officer, 390)
    shoot_card(officer.locator("#consent"), f"consent_record_390_{locale}")
    officer.set_viewport_size({"width": 1280, "height": 900})
    no_sideways_scroll(officer, 1280)
    shoot_card(officer.locator("#consent"), f"consent_record_1280_{locale}")


@pytest.mark.parametrize("locale", ["en", "ar"])
@pytest.mark.django_db(transaction=True)
def test_web_form_purposes_without_javascript(
    browser: object, live_server: object, project: Project, clock: FakeClock, locale: str
) -> None:
    set_up(project)
    base = str(live_server.url)  # type: ignore[attr-defined]
    for width in (1280, 390):
        context = browser.new_context(  # type: ignore[attr-defined]
            java_script_enabled=False, viewport={"width": width, "height": 900}
        )
        page = context.new_page()
        page.goto(f"{base}/f/{project.slug}/?lang={locale}")
        notice = page.locator("#consent-notice").inner_text()
        assert all(part in notice for part in NOTICES[locale])
        for name in ("follow_up_surveys", "share_with_partners", "publish_aggregates"):
            assert not page.locator(f"input[name={name}]").is_checked()
        no_sideways_scroll(page, width)
        shoot(page, f"consent_web_{width}_{locale}")
        context.close()

    page = browser.new_context(  # type: ignore[attr-defined]
        java_script_enabled=False, viewport={"width": 390, "height": 844}
    ).new_page()
    page.goto(f"{base}/f/{project.slug}/?lang={locale}")
    page.fill("textarea[name=content]", WEB)
    page.fill("input[name=phone]", "3798 1234")
    page.check("input[name=keep_contact]")
    page.check("input[name=follow_up_surveys]")
    clock.advance(MIN_SECONDS)  # the live server reads the same clock: no waiting
    page.locator("form.public-form button[type=submit]").click()
    page.wait_for_url(f"**/f/{project.slug}/thanks/**")
    record = Feedback.objects.get()
    assert record.contact_id is not None
    agreed = ConsentRecord.objects.get(given=True)
    assert agreed.purposes == ["respond", "follow_up_surveys"]
    assert agreed.method == "web_notice"
    assert agreed.notice_version == f"{locale}-v1"
    refused = ConsentRecord.objects.get(given=False)
    assert refused.purposes == ["share_with_partners", "publish_aggregates"]
