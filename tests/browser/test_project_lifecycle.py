"""A project from creation to closure, on the screen, in the system Chromium: an
organisation's administrator creates it, answers its data-protection checklists, its
data controller approves them and makes it active, an SMS channel is added (its shared
secret read from the page that shows it once), a message comes in through the real
Kannel, the project is closed, and the next message gets the closure notice back
through Kannel while nothing more is kept; then the organisation's administrator
destroys it on the destruction screen (its short name typed again) and its certificate
is shown (key id and fingerprint, rows removed, the audit chain's final hash). At 1280
px in English and at 390 px in Arabic (right to left): no page scrolls sideways.

The Kannel steps need ``kannel`` and ``kannel-extras``; without them they are skipped
(the screens are still tested) unless RESPONSEMAP_REQUIRE_KANNEL=1. Screenshots go to
RESPONSEMAP_SHOTS (default /tmp/shots/lifecycle).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from responsemap.accounts.models import User
from responsemap.geo.models import AdminArea
from responsemap.intake.channels.kannel.adapter import post_url
from responsemap.intake.channels.models import Channel
from responsemap.intake.channels.screens import inbound_url
from responsemap.intake.messages.models import InboundMessage
from responsemap.projects.checklists.models import ChecklistVersion
from responsemap.projects.checklists.questions import CHECKLISTS
from responsemap.projects.destruction.models import DestructionRun
from responsemap.projects.models import Project
from tests.browser.test_flow import sign_in
from tests.kannel import corpus
from tests.kannel.fixtures import app_env
from tests.kannel.gateway import (
    BEARERBOX,
    FAKESMSC,
    SMSBOX,
    START_SECONDS,
    App,
    FakeSMSC,
    KannelPorts,
    Processes,
    render_config,
    start_kannel,
    wait_until,
)

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("RESPONSEMAP_SHOTS", "/tmp/shots/lifecycle"))  # noqa: S108
SENDER = corpus.SENDERS[5]


def kannel_installed() -> bool:
    present = all(p.exists() for p in (BEARERBOX, SMSBOX, FAKESMSC))
    if not present and os.environ.get("RESPONSEMAP_REQUIRE_KANNEL") == "1":
        pytest.fail("kannel and kannel-extras are needed (RESPONSEMAP_REQUIRE_KANNEL=1)")
    return present


def look(page: Any, name: str, locale: str, width: int) -> None:
    """No sideways scroll, and a screenshot for a person to look at."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width, name
    page.screenshot(path=str(SHOTS / f"{name}_{locale}_{width}.png"), full_page=True)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("locale", "width"), [("en", 1280), ("ar", 390)])
def test_a_project_from_creation_to_destruction(
    browser: Any,
    live_server: Any,
    personas: dict[str, User],
    settings: Any,
    tmp_path: Path,
    locale: str,
    width: int,
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = str(live_server.url)
    with_kannel = locale == "en" and kannel_installed()
    processes, app = None, None
    if with_kannel:
        (tmp_path / "logs").mkdir()
        processes = Processes(tmp_path / "logs")
        app = App(processes, {})
        app.env.update(app_env(app.url))
        settings.RESPONSEMAP_PUBLIC_URL = app.url  # the address the channel page shows
    try:
        _walk(browser, base, locale, width, app, tmp_path)
    finally:
        if processes is not None:
            processes.stop_all()


def _walk(
    browser: Any, base: str, locale: str, width: int, app: App | None, tmp_path: Path
) -> None:
    admin = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
    page = admin.new_page()

    # 1. An organisation's administrator creates the project.
    sign_in(page, base, "sysadmin")
    page.wait_for_url(f"{base}/")
    page.click("a[href='/projects/new/']")
    look(page, "project_new", locale, width)
    page.fill("#id_name", "استجابة الفيضانات" if locale == "ar" else "Flood response")
    page.fill("#id_slug", "flood")
    page.fill("#id_purpose", "Answer people affected by the flood and refer protection cases.")
    page.fill("#id_country", "HT")
    page.fill("#id_languages", "fr, ht, en")
    page.select_option("#id_sensitivity", "high")
    page.fill("#id_controller", "manager")
    page.fill("#id_processors", "SMS operator")
    page.fill("#id_areas", "Ouest | HT01\n  Léogâne | HT0114\nSud > Les Cayes")
    page.click("form.card button[type=submit]")
    page.wait_for_url(f"{base}/p/flood/lifecycle/")
    project = Project.objects.get(slug="flood")
    assert project.status == Project.Status.DESIGN
    areas = AdminArea.objects.filter(project=project)
    assert sorted(areas.values_list("name", flat=True)) == ["Les Cayes", "Léogâne", "Ouest", "Sud"]
    look(page, "lifecycle_design", locale, width)

    # 2. Its checklists answered (the administrator is one of its managers now).
    for checklist in CHECKLISTS:
        page.goto(f"{base}/p/flood/lifecycle/checklists/{checklist.code}/")
        for radio in page.locator("input[type=radio][value=yes]").all():
            radio.check()
        if checklist is CHECKLISTS[0]:
            look(page, "checklist", locale, width)
        page.click("form.card button[type=submit]")
        page.wait_for_load_state()
    assert ChecklistVersion.objects.filter(project=project).count() == len(CHECKLISTS)

    # 3. The data controller approves each one and makes the project active.
    controller = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
    manager = controller.new_page()
    sign_in(manager, base, "manager")
    manager.wait_for_load_state()
    for checklist in CHECKLISTS:
        manager.goto(f"{base}/p/flood/lifecycle/checklists/{checklist.code}/")
        manager.click("form[action$='/approve/'] button[type=submit]")
        manager.wait_for_url(f"{base}/p/flood/lifecycle/")
    look(manager, "lifecycle_approved", locale, width)
    manager.click("form[action$='/activate/'] button[type=submit]")
    manager.wait_for_url(f"{base}/p/flood/lifecycle/")
    project.refresh_from_db()
    assert project.status == Project.Status.ACTIVE
    look(manager, "lifecycle_active", locale, width)
    manager.goto(f"{base}/p/flood/lifecycle/record/")
    look(manager, "impact_record", locale, width)
    manager.emulate_media(media="print")
    if locale == "en":
        manager.pdf(path=str(SHOTS / f"impact_record_{locale}.pdf"))
    manager.emulate_media(media="screen")

    # 4. An SMS channel, its shared secret shown once.
    ports = KannelPorts()
    manager.goto(f"{base}/p/flood/intake/channels/")
    look(manager, "channels", locale, width)
    manager.select_option("#id_kind", "kannel")
    manager.fill("#id_name", "Hotline 424")
    manager.fill("#id_address", corpus.RECEIVER)
    manager.fill("#id_config", f"sendsms_url={ports.sendsms_url}")
    manager.fill("#id_provider_secrets", "username=responsemap\npassword=sendsms-pass-1")
    manager.click("form[action$='/channels/add/'] button[type=submit]")
    manager.wait_for_load_state()
    secret = manager.inner_text("#shared-secret").strip()
    look(manager, "channel_secret", locale, width)
    channel = Channel.objects.get(project=project)

    fake = None
    if app is not None:
        directory = tmp_path / "kannel"
        directory.mkdir()
        render_config(
            directory,
            ports,
            post_url=post_url(inbound_url(channel), secret),
            username="responsemap",
            password="sendsms-pass-1",  # noqa: S106 (invented)
            retries=60,
            retry_delay=1,
        )
        app.start_web(workers=2)
        start_kannel(app.processes, directory / "kannel.conf", ports)
        fake = FakeSMSC(app.processes, ports.smsc)
        fake.send(f"{SENDER} {corpus.RECEIVER} text Pa gen dlo nan blok 4")
        kept = InboundMessage.objects.filter(channel=channel)
        wait_until(lambda: kept.count() == 1, START_SECONDS, "the SMS came in through Kannel")

    # 5. The controller closes the project.
    manager.goto(f"{base}/p/flood/lifecycle/")
    manager.fill("#close-reason", "The flood response ended")
    manager.fill("#close-confirm", "flood")
    manager.click("form[action$='/close/'] button[type=submit]")
    manager.wait_for_url(f"{base}/p/flood/lifecycle/")
    project.refresh_from_db()
    assert project.status == Project.Status.CLOSED
    look(manager, "lifecycle_closed", locale, width)
    page.goto(f"{base}/f/flood/")
    look(page, "public_form_closed", locale, width)

    # 6. The next message gets the closure notice, through Kannel, and is not kept.
    if fake is not None:
        fake.send(f"{SENDER} {corpus.RECEIVER} text Eske nou la toujou?")

        # (The first message may have had its receipt sent before the closure.)
        def notices() -> list[str]:
            return [
                r.receiver for r in list(fake.received) if "closed" in r.text or "ferm" in r.text
            ]

        try:
            wait_until(lambda: bool(notices()), START_SECONDS, "the closure notice")
        except TimeoutError as exc:
            raise AssertionError(f"no closure notice; MTs: {list(fake.received)}") from exc
        assert notices() == [SENDER]
        assert InboundMessage.objects.filter(channel=channel).count() == 1

    # 7. The organisation's administrator destroys it at once, on the destruction
    # screen: the short name typed again; then the certificate is shown.
    page.goto(f"{base}/destruction/")
    look(page, "destruction_list", locale, width)
    page.goto(f"{base}/destruction/flood/")
    page.fill("#id_destroy-reason", "The response ended; nothing is owed to anyone")
    page.fill("#id_destroy-confirm", "not-flood")
    page.click("form[action$='/destroy'] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("form[action$='/destroy'] .errorlist").count() == 1  # not confirmed
    project.refresh_from_db()
    assert project.status == Project.Status.CLOSED
    look(page, "destruction_confirm", locale, width)
    page.fill("#id_destroy-reason", "The response ended; nothing is owed to anyone")
    page.fill("#id_destroy-confirm", "flood")
    page.click("form[action$='/destroy'] button[type=submit]")
    page.wait_for_url(f"{base}/destruction/flood/")
    project.refresh_from_db()
    assert project.status == Project.Status.DESTROYED
    run = DestructionRun.objects.get(project=project)
    assert run.step == DestructionRun.Step.DONE  # the tests' task backend runs it at once
    look(page, "destruction_done", locale, width)
    page.click("a[href='/destruction/flood/certificate']")
    page.wait_for_url(f"{base}/destruction/flood/certificate")
    text = page.inner_text("main")
    assert str(project.pk) in text  # the destroyed key's id
    assert run.key_fingerprint
    assert run.key_fingerprint in text
    assert run.chain_final_hash
    assert run.chain_final_hash in text
    removed = page.locator("main table.list").first.locator("tbody tr")
    assert removed.count() == len(run.counts) > 0  # rows removed, per kind
    assert not Channel.objects.filter(project=project).exists()
    assert not AdminArea.objects.filter(project=project).exists()
    look(page, "certificate", locale, width)
    admin.close()
    controller.close()
