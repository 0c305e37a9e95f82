"""Referrals in the system Chromium, in English and Arabic, at 390 and 1280 px: an
officer refers a record from its page (ticking the person's consent), the partner user
finds it in their queue, opens it, moves it along and answers; the manager reads the
agreement's disclosure log. No page scrolls sideways; screenshots go to
RESPONSEMAP_SHOTS (when set) for a person to look at.

Needs /usr/bin/chromium (Debian's ``chromium``). Without it the test is skipped, unless
RESPONSEMAP_REQUIRE_BROWSER=1 (CI) makes that a failure.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from responsemap.accounts.models import User
from responsemap.accounts.queries import viewer_for
from responsemap.projects.models import Project
from responsemap.projects.sharing.actions import (
    NewAgreement,
    do_create_agreement,
    do_create_partner,
    do_link_partner_user,
)
from responsemap.triage.actions import do_change_status
from responsemap.triage.models import Feedback
from responsemap.triage.referrals.models import Disclosure, Referral
from responsemap.triage.referrals.queries import today
from tests.browser.test_flow import sign_in

pytestmark = pytest.mark.browser
MESSAGE = "Klinik la voye pitit mwen tounen san swen, tanpri rele m"


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


@pytest.mark.parametrize("locale", ["en", "ar"])
@pytest.mark.django_db(transaction=True)
def test_refer_then_the_partner_answers(
    browser: object,
    live_server: object,
    project: Project,
    personas: dict[str, User],
    make_feedback: Callable[..., Feedback],
    locale: str,
) -> None:
    manager = viewer_for(personas["manager"], project.pk)
    officer = viewer_for(personas["officer"], project.pk)
    assert manager is not None
    assert officer is not None
    partner = do_create_partner(manager, "Klinik Lespwa")
    do_link_partner_user(manager, partner.pk, personas["partner"].pk)
    day = today()
    agreement = do_create_agreement(
        manager,
        NewAgreement(
            partner_id=partner.pk,
            purpose="Swivi sante",
            document_reference="DSA-2026-031",
            valid_from=day,
            valid_to=day + datetime.timedelta(days=60),
            fields_allowed=["type_code", "sector", "urgency", "redacted_content"],
            types_allowed=["complaint"],
            sectors_allowed=["health"],
        ),
    )
    record = make_feedback(MESSAGE, type_code="complaint", sector="health", urgency="high")
    record.redacted_content = MESSAGE
    record.save(update_fields=["redacted_content"])
    do_change_status(officer, record.pk, "triaged")
    do_change_status(officer, record.pk, "in_progress")
    base = str(live_server.url)  # type: ignore[attr-defined]
    slug = project.slug

    # The officer refers the record from its page, on a phone.
    phone = browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": 390, "height": 844}, locale=locale
    ).new_page()
    sign_in(phone, base, "officer")
    phone.wait_for_url(f"**/p/{slug}/**")
    phone.goto(f"{base}/p/{slug}/feedback/{record.pk}/")
    assert phone.locator("html").get_attribute("dir") == ("rtl" if locale == "ar" else "ltr")
    # The long record page: a "Jump to" list reaches each card without scrolling past all.
    phone.locator("nav.jump a[href='#referrals']").click()
    card = phone.locator("#referrals")
    assert card.is_visible()
    no_sideways_scroll(phone, 390)
    shoot(phone, f"record-refer-{locale}-390")
    shoot_card(card, f"record-refer-card-{locale}-390")
    card.locator("textarea[name=note]").fill("Tanpri rele li jodi a")
    card.locator("input[name=consent_confirmed]").check()
    card.locator("button[type=submit]").click()
    phone.wait_for_load_state()
    assert Referral.objects.filter(feedback=record, agreement=agreement).exists()
    record.refresh_from_db()
    assert record.status == "referred"

    for width in (390, 1280):
        page = browser.new_context(  # type: ignore[attr-defined]
            viewport={"width": width, "height": 900}, locale=locale
        ).new_page()
        sign_in(page, base, "partner")
        page.wait_for_load_state()
        page.goto(f"{base}/p/{slug}/referrals/")
        assert page.get_by_text(record.reference).is_visible()
        assert MESSAGE[:30] in page.content()
        no_sideways_scroll(page, width)
        shoot(page, f"queue-{locale}-{width}")
        page.get_by_text(record.reference).click()
        page.wait_for_url("**/referrals/*/")
        no_sideways_scroll(page, width)
        shoot(page, f"referral-{locale}-{width}")
        if width == 390:
            page.select_option("#id_to_status", "received")
            page.locator("form[action$='/status/'] button").click()
            page.wait_for_load_state()
            page.fill("#id_text", "Nou te resevwa li, n ap rele li demen")
            page.locator("form[action$='/answer/'] button").click()
            page.wait_for_load_state()
            assert page.locator("#referral-answer", has_text="n ap rele li demen").is_visible()
            shoot(page, f"referral-answered-{locale}-390")
    referral = Referral.objects.get(feedback=record)
    assert referral.status == "received"
    assert referral.answered_at is not None

    for width in (390, 1280):
        page = browser.new_context(  # type: ignore[attr-defined]
            viewport={"width": width, "height": 900}, locale=locale
        ).new_page()
        sign_in(page, base, "manager")
        page.wait_for_load_state()
        page.goto(f"{base}/p/{slug}/sharing/")
        no_sideways_scroll(page, width)
        shoot(page, f"sharing-{locale}-{width}")
        # The manager's bar: the less frequent pages under "More", opened without a script.
        page.locator(".nav-more > summary").click()
        assert page.locator(".nav-more a[href$='/sharing/']").is_visible()
        no_sideways_scroll(page, width)
        shoot(page, f"nav-more-{locale}-{width}")
        page.goto(f"{base}/p/{slug}/feedback/{record.pk}/")
        no_sideways_scroll(page, width)
        shoot(page, f"record-manager-{locale}-{width}")
        page.goto(f"{base}/p/{slug}/sharing/agreements/{agreement.pk}/")
        no_sideways_scroll(page, width)
        if width == 390:
            # A narrowing, with its reason: version 2, the urgency no longer shared.
            page.locator("input[name=fields_allowed][value=urgency]").uncheck()
            page.fill("#id_reason", "Addendum 1: urgency withdrawn")
            page.locator("form[action$='/edit/'] button[type=submit]").click()
            page.wait_for_url("**/sharing/agreements/*/")
            assert page.locator("details.version").count() == 2
            no_sideways_scroll(page, width)
        shoot(page, f"agreement-{locale}-{width}")
        page.goto(f"{base}/p/{slug}/sharing/agreements/{agreement.pk}/log/")
        assert page.get_by_text(record.reference).first.is_visible()
        no_sideways_scroll(page, width)
        shoot(page, f"log-{locale}-{width}")
    agreement.refresh_from_db()
    assert agreement.version == 2
    assert "urgency" not in agreement.fields_allowed
    kinds = set(Disclosure.objects.filter(agreement=agreement).values_list("kind", flat=True))
    assert kinds == {"referred", "listed", "viewed", "status", "answered"}
