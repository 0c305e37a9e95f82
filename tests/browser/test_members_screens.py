"""The members, teams and roles screens (issue 10, point 4) in the system Chromium, on a
phone (390 px) and a desk (1280 px), in English and Arabic (right to left): no page
scrolls sideways, and a team made on screen takes a member and a record.

Screenshots go to RESPONSEMAP_SHOTS (default /tmp/shots/h3) for a person to look at.
Needs /usr/bin/chromium; without it the test is skipped, unless
RESPONSEMAP_REQUIRE_BROWSER=1 (CI) makes that a failure.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from responsemap.accounts.models import Membership, User
from responsemap.projects.models import Project
from responsemap.triage.models import Feedback
from tests.browser.test_flow import sign_in

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("RESPONSEMAP_SHOTS", "/tmp/shots/h3"))  # noqa: S108 (screenshots)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("locale", ["en", "ar"])
def test_members_teams_and_roles_on_a_phone_and_a_desk(
    browser: object,
    live_server: object,
    project: Project,
    personas: dict[str, User],
    make_feedback: Callable[..., Feedback],
    locale: str,
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    personas["officer"].first_name, personas["officer"].last_name = "Wiselène", "Joseph"
    personas["officer"].email = "w.joseph@example.org"
    personas["officer"].save()
    record = make_feedback("Pa gen dlo nan blok 4 depi lendi")
    base = str(live_server.url)  # type: ignore[attr-defined]
    officer = Membership.objects.get(user=personas["officer"], project=project)
    people = f"{base}/p/{project.slug}/people/"
    for width in (390, 1280):
        context = browser.new_context(  # type: ignore[attr-defined]
            locale=locale, viewport={"width": width, "height": 900}
        )
        page = context.new_page()
        sign_in(page, base, "manager")
        page.wait_for_url(f"**/p/{project.slug}/**")
        if width == 390:
            # Make a team and put the officer in it, on the phone.
            page.goto(f"{people}teams/")
            page.fill("#id_name", "فريق المياه" if locale == "ar" else "Water desk")
            page.click("form.card button[type=submit]")
            page.wait_for_load_state()
            page.goto(f"{people}{officer.pk}/")
            page.check("input[name=teams]")
            page.click("form[action$='/teams/'] button[type=submit]")
            page.wait_for_load_state()
        assert officer.teams.count() == 1
        for name, url in [
            ("list", people),
            ("member", f"{people}{officer.pk}/"),
            ("add", f"{people}add/"),
            ("teams", f"{people}teams/"),
            ("roles", f"{people}roles/"),
        ]:
            page.goto(url)
            if name == "roles":  # one role's permission form, open
                page.locator("details").nth(1).evaluate("d => { d.open = true; }")
            assert page.locator("html").get_attribute("dir") == ("rtl" if locale == "ar" else "ltr")
            if width == 390:
                assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
            page.screenshot(path=str(SHOTS / f"{name}_{locale}_{width}.png"), full_page=True)
        if width == 390:
            # The record page offers the team; assigning it is saved.
            page.goto(f"{base}/p/{project.slug}/feedback/{record.pk}/")
            page.select_option("#id_team", str(officer.teams.get().pk))
            page.click("form[action$='/team/'] button[type=submit]")
            page.wait_for_load_state()
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            page.locator("#work").screenshot(path=str(SHOTS / f"record_team_{locale}_390.png"))
            record.refresh_from_db()
            assert record.team_id == officer.teams.get().pk
        context.close()
