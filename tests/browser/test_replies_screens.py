"""Replies and call-backs in the system Chromium, at 1280 and 390 px, in English and
Arabic: a template picked on the record fills the reply in the record's language (with
its character and SMS count), the reply is queued and shown with its delivery; the
call-back list, the call-back page (number revealed, outcome saved), reply templates
and response times never scroll sideways. Screenshots go to RESPONSEMAP_SCREENSHOT_DIR.

Needs /usr/bin/chromium (Debian's ``chromium``). Without it the test is skipped, unless
RESPONSEMAP_REQUIRE_BROWSER=1 (CI) makes that a failure.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.utils import timezone

from responsemap.accounts.models import User
from responsemap.accounts.queries import viewer_for
from responsemap.intake.channels.actions import do_create_channel
from responsemap.projects.models import Project
from responsemap.triage.actions import CallInfo, do_assign
from responsemap.triage.choices import Status
from responsemap.triage.models import Feedback
from responsemap.triage.replies.actions import do_save_reply_template
from responsemap.triage.replies.models import CallbackAttempt, Reply
from tests.browser.test_flow import sign_in

pytestmark = pytest.mark.browser
SCREENSHOT_DIR = Path(os.environ.get("RESPONSEMAP_SCREENSHOT_DIR", "var/screenshots"))
MESSAGE = "Pa gen dlo nan blok 4 depi lendi, tiyo a kase epi moun ap tann depi maten"
TEMPLATES = {
    "fr": "Merci, votre message {reference} est « {status} ». L'équipe de {project} vous répond.",
    "en": "Thank you, your message {reference} is “{status}”. The {project} team will answer.",
    "ar": "شكرا، رسالتكم {reference} حالتها «{status}». سيرد عليكم فريق {project}.",
}


def wide_and_phone(browser: object, locale: str) -> list[tuple[int, object]]:
    pages = []
    for width, height in ((1280, 800), (390, 844)):
        context = browser.new_context(  # type: ignore[attr-defined]
            viewport={"width": width, "height": height}, locale=locale
        )
        pages.append((width, context.new_page()))
    return pages


def shoot(page: object, width: int, name: str, locale: str) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # type: ignore[attr-defined]
    path = SCREENSHOT_DIR / f"{name}-{width}-{locale}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("locale", ["en", "ar"])
def test_replies_and_callbacks_on_a_wide_screen_and_a_phone(
    browser: object,
    live_server: object,
    project: Project,
    personas: dict[str, User],
    make_feedback: Callable[..., Feedback],
    locale: str,
) -> None:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    manager = viewer_for(personas["manager"], project.pk)
    officer = viewer_for(personas["officer"], project.pk)
    assert manager is not None
    assert officer is not None
    do_create_channel(project_id=project.pk, kind="kannel", name="SMS Pòtoprens", secrets={})
    do_save_reply_template(manager, code="received", name="Received", texts=TEMPLATES)
    record = make_feedback(
        MESSAGE,
        source="hotline",
        phone="+50937123499",
        consent_given=True,
        language=locale,
        call=CallInfo(consent_asked=True, consent_answer=True, callback_requested=True),
    )
    do_assign(officer, record.pk, officer.user_id)
    base = str(live_server.url)  # type: ignore[attr-defined]
    slug = project.slug

    for width, page in wide_and_phone(browser, locale):
        sign_in(page, base, "officer")
        page.wait_for_url(f"**/p/{slug}/inbox/")  # type: ignore[attr-defined]
        page.goto(f"{base}/p/{slug}/feedback/{record.pk}/")  # type: ignore[attr-defined]
        page.select_option("#id_reply_template", "received")  # type: ignore[attr-defined]
        filled = page.input_value("#id_reply_text")  # type: ignore[attr-defined]
        assert record.reference in filled
        assert filled.startswith(TEMPLATES[locale][:6])
        count = page.text_content("#reply-count") or ""  # type: ignore[attr-defined]
        assert re.search(rf"{len(filled)}\D+\d", count)  # "N characters, M SMS", translated
        page.locator("#replies").scroll_into_view_if_needed()  # type: ignore[attr-defined]
        shoot(page, width, "record-reply", locale)
        card = SCREENSHOT_DIR / f"record-reply-card-{width}-{locale}.png"
        page.locator("#replies").screenshot(path=str(card))  # type: ignore[attr-defined]
        if width == 390:
            page.check("input[name=mark_answered]")  # type: ignore[attr-defined]
            page.click("#reply-form button[type=submit]")  # type: ignore[attr-defined]
            page.locator(".delivery").first.wait_for()  # type: ignore[attr-defined]
            shoot(page, width, "record-replied", locale)
            card = SCREENSHOT_DIR / f"record-replied-card-{width}-{locale}.png"
            page.locator("#replies").screenshot(path=str(card))  # type: ignore[attr-defined]

        page.goto(f"{base}/p/{slug}/callbacks/")  # type: ignore[attr-defined]
        assert page.locator("td.ref", has_text=record.reference).is_visible()  # type: ignore[attr-defined]
        shoot(page, width, "callbacks", locale)
        page.goto(f"{base}/p/{slug}/feedback/{record.pk}/callback/")  # type: ignore[attr-defined]
        page.fill("#id_reason", "Rappeler pour la pompe")  # type: ignore[attr-defined]
        if page.locator("#id_password").count():  # type: ignore[attr-defined]
            page.fill("#id_password", "persona-password-1")  # type: ignore[attr-defined]
        page.click("form[action$='/callback/reveal/'] button")  # type: ignore[attr-defined]
        page.locator("#callback-number a[href^='tel:']").wait_for()  # type: ignore[attr-defined]
        shoot(page, width, "callback", locale)
        page.goto(f"{base}/p/{slug}/feedback/{record.pk}/callback/")  # type: ignore[attr-defined]
        page.check("input[name=outcome][value=no_answer]")  # type: ignore[attr-defined]
        page.fill("textarea[name=note]", "Pa reponn, m ap rele demen")  # type: ignore[attr-defined]
        page.click("form[action$='/callback/outcome/'] button")  # type: ignore[attr-defined]
        page.locator("text=Pa reponn").first.wait_for()  # type: ignore[attr-defined]
        shoot(page, width, "callback-attempt", locale)

        page.goto(f"{base}/p/{slug}/response-times/")  # type: ignore[attr-defined]
        assert page.locator("#response-times").is_visible()  # type: ignore[attr-defined]
        shoot(page, width, "response-times", locale)

        page = browser.new_context(  # type: ignore[attr-defined]
            viewport={"width": width, "height": 844}, locale=locale
        ).new_page()
        sign_in(page, base, "manager")
        page.wait_for_url(f"**/p/{slug}/**")
        page.goto(f"{base}/p/{slug}/reply-templates/")
        assert page.locator("td", has_text="received").first.is_visible()
        shoot(page, width, "reply-templates", locale)
        page.goto(f"{base}/p/{slug}/reply-templates/new/")
        shoot(page, width, "reply-template-form", locale)

    [reply] = Reply.objects.filter(feedback=record)
    assert reply.outbound is not None
    assert CallbackAttempt.objects.filter(feedback=record).count() == 2
    record.refresh_from_db()
    assert record.status == Status.ANSWERED  # "Mark the record answered" was ticked
    assert timezone.now()
