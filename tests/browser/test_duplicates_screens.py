"""Duplicates, rumour groups, spam and verification on a phone (390 px) and a desk
(1280 px), in English and Arabic, in the system Chromium: no sideways scroll, a link by
reference made on the phone is saved and shown; screenshots in /tmp/shots/h7/.

Needs /usr/bin/chromium (Debian's ``chromium``). Without it the test is skipped, unless
RESPONSEMAP_REQUIRE_BROWSER=1 (CI) makes that a failure.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from responsemap.accounts.models import User
from responsemap.accounts.queries import viewer_for
from responsemap.projects.models import Project
from responsemap.triage.actions import NewFeedback, do_create_feedback_batch
from responsemap.triage.duplicates.actions import do_mark_spam
from responsemap.triage.duplicates.models import DuplicateLink, RumourMember
from responsemap.triage.verification.actions import do_check_item, do_verify_feedback
from tests.browser.test_flow import sign_in

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("RESPONSEMAP_SHOTS", "/tmp/shots/h7"))  # noqa: S108 (screenshots)
RUMOUR = "Yo di dlo ponp nan kan Ostrava a pwazonnen, pa bwè li ditou"
RUMOUR_AR = "يقولون إن مياه المضخة في مخيم أوسترافا مسمومة، لا تشربوها"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("locale", ["en", "ar"])
def test_duplicates_rumours_and_verification_screens(
    browser: object,
    live_server: object,
    project: Project,
    personas: dict[str, User],
    locale: str,
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    officer = viewer_for(personas["officer"], project.pk)
    assert officer is not None
    now = timezone.now()
    items = [
        NewFeedback(source="social", content=RUMOUR, received_at=now - timedelta(hours=3)),
        NewFeedback(source="sms", content=RUMOUR + "!", received_at=now - timedelta(hours=2)),
        NewFeedback(source="sms", content=RUMOUR_AR, received_at=now - timedelta(hours=1)),
        NewFeedback(source="sms", content=RUMOUR_AR + " !!", received_at=now),
        NewFeedback(source="web", content="Kounye a mwen bezwen kat manje a pou fanmi m"),
    ]
    post, copy, arabic, arabic_copy, other = do_create_feedback_batch(
        project, items, None, redact_now=True
    )
    assert RumourMember.objects.filter(feedback__in=[post, copy]).count() == 2
    do_verify_feedback(officer, post.pk, "false", 2, "Deux sources: le comité du camp et la DINEPA")
    do_check_item(officer, post.pk, "provenance", True, "Premier post: un compte créé hier")
    do_check_item(officer, post.pk, "source", False, "")
    do_mark_spam(officer, other.pk)
    base = str(live_server.url)  # type: ignore[attr-defined]
    for width in (390, 1280):
        context = browser.new_context(  # type: ignore[attr-defined]
            locale=locale, viewport={"width": width, "height": 900}
        )
        page = context.new_page()
        sign_in(page, base, "officer")
        page.wait_for_url(f"**/p/{project.slug}/**")
        assert page.locator("html").get_attribute("dir") == ("rtl" if locale == "ar" else "ltr")
        page.goto(f"{base}/p/{project.slug}/feedback/{post.pk}/#duplicates")
        assert page.locator("#duplicates").is_visible()
        assert page.locator("#verification-checklist").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.locator("#duplicates").screenshot(path=str(SHOTS / f"record-{locale}-{width}.png"))
        page.locator("#verification").screenshot(
            path=str(SHOTS / f"verification-{locale}-{width}.png")
        )
        page.goto(f"{base}/p/{project.slug}/rumours/")
        assert page.locator(".group-card").count() == 2
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(SHOTS / f"groups-{locale}-{width}.png"), full_page=True)
        page.locator(".group-card a").first.click()
        page.wait_for_load_state()
        assert page.locator("#group-members li").count() == 2
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(SHOTS / f"group-{locale}-{width}.png"), full_page=True)
        if width == 390:
            # Link the Arabic copy as a duplicate of the first, by reference, on the phone.
            page.goto(f"{base}/p/{project.slug}/feedback/{arabic_copy.pk}/#duplicates")
            page.fill("#id_dup_reference", arabic.reference.lower().replace("-", ""))
            page.click(
                "#duplicates button:has-text('Link as a duplicate of it')"
                if locale == "en"
                else "#duplicates form.inline-form button >> nth=0"
            )
            page.locator("#duplicate-of a").wait_for()
            assert DuplicateLink.objects.filter(
                duplicate=arabic_copy, original=arabic, ended_at__isnull=True
            ).exists()
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            page.locator("#duplicates").screenshot(path=str(SHOTS / f"linked-{locale}-{width}.png"))
        context.close()
        # The manager's settings screen.
        context = browser.new_context(  # type: ignore[attr-defined]
            locale=locale, viewport={"width": width, "height": 900}
        )
        page = context.new_page()
        sign_in(page, base, "manager")
        page.wait_for_url(f"**/p/{project.slug}/**")
        page.goto(f"{base}/p/{project.slug}/rumours/settings/")
        page.fill("#id_window_hours", "72")
        page.click("form.card button[type=submit]")
        page.wait_for_load_state()
        assert page.locator("#id_window_hours").input_value() == "72"
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(SHOTS / f"settings-{locale}-{width}.png"), full_page=True)
        context.close()
