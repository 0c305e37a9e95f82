"""The whole loop of issue 10, against real parts: an urgent SMS goes from Kannel's fake
SMS centre through the real bearerbox and smsbox to the app (gunicorn), the task worker
(``manage.py db_worker``) makes it a record and raises an alert (a notification and an
e-mail); in the system Chromium the protection focal point signs in, sees the unread
alert in the menu, acknowledges it, opens the record, lowers it to normal (the words
matched were a canal "threatening" to overflow, not a protection case), assigns it to
themself, moves it to in progress and replies from the Replies card with a template;
the reply reaches the sender at the fake SMS centre with the reference code in it and
comes back delivered, shown on the record; then the sender asks for the stage with the
code, on the public status page on a phone (390 px) and by texting it through Kannel,
and is told "Answered" both ways.

Why the protection focal point and not an officer: the default rule that makes a
message critical ("Violence, abuse or threat", ``triage/rules/defaults.py``) is also a
protection concern, so the record is hidden at once from everyone but protection staff
and the alert reaches them only (docs/alerts.md) — the test checks the officer is told
nothing. And a protection case answered would read "Being looked at" on the status page
(docs/status-lookup.md): the record is lowered to normal first, as a focal point does
with a false match.

Needs Kannel (``kannel``, ``kannel-extras``) and /usr/bin/chromium; skipped without
them unless RESPONSEMAP_REQUIRE_KANNEL=1 / RESPONSEMAP_REQUIRE_BROWSER=1 (CI).
Screenshots go to RESPONSEMAP_SCREENSHOT_DIR (default var/screenshots/whole_loop).
"""

from __future__ import annotations

import email
import os
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client
from django.urls import reverse
from django.utils import translation

from responsemap.accounts.models import User
from responsemap.accounts.queries import viewer_for
from responsemap.intake.channels.kannel.gsm import as_sent
from responsemap.intake.channels.models import Channel
from responsemap.intake.contacts.keywords import reply_language
from responsemap.intake.messages.models import OutboundMessage
from responsemap.projects.models import Project
from responsemap.protection.models import AuditEvent
from responsemap.testing import PASSWORD
from responsemap.triage.alerts.models import Alert, Notification
from responsemap.triage.choices import Status
from responsemap.triage.models import Feedback
from responsemap.triage.replies.actions import do_save_reply_template
from responsemap.triage.status_lookup.queries import PublicStage, public_status
from responsemap.triage.status_lookup.sms import answer_text
from tests.browser.test_flow import sign_in
from tests.kannel import corpus
from tests.kannel.fixtures import app, channel, processes  # noqa: F401 (fixtures)
from tests.kannel.gateway import (
    START_SECONDS,
    App,
    FakeSMSC,
    KannelPorts,
    Processes,
    start_kannel,
    wait_until,
)

pytestmark = [pytest.mark.browser, pytest.mark.kannel, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("RESPONSEMAP_SCREENSHOT_DIR", "var/screenshots")) / "whole_loop"
SENDER = corpus.SENDERS[5]
# "menace" is one of the default rule's French words: critical, and hidden at once.
MESSAGE = "Le canal menace de déborder sur le camp B, l'eau monte depuis ce matin"
LOWER_REASON = "Risque d'inondation, pas un cas de protection"
# GSM-7 only and short: one SMS segment each (fakesmsc prints a concatenated message's
# parts one by one, with their headers).
TEMPLATE = {
    "fr": "Merci. Votre message {reference} a été lu : l'équipe passe au camp B demain.",
    "en": "Thank you. Your message {reference} was read: the team comes to camp B tomorrow.",
}
EMAIL = "focal.point@example.org"
# Each step's event, in the order the loop makes them.
LOOP_IN_ORDER = [
    "feedback.raise_sensitivity",  # by the rule or the suggestion, in the record's batch
    "feedback.create",
    "alert.raise",
    "alert.acknowledge",
    "feedback.lower_sensitivity",
    "feedback.assign",
    "feedback.change_status",  # new -> assigned, with the assignment
    "feedback.change_status",  # -> in progress
    "feedback.reply",
    "feedback.change_status",  # -> answered, with the reply
]
LOOP = set(LOOP_IN_ORDER)
PBKDF2 = "django.contrib.auth.hashers.PBKDF2PasswordHasher"


def fits(page: object, width: int) -> bool:
    return int(page.evaluate("document.documentElement.scrollWidth")) <= width  # type: ignore[attr-defined]


def shot(page: object, name: str, card: str = "") -> None:
    """The whole page, and the card ``card`` (a selector) alone, readable at full size."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]
    if card:
        page.locator(card).screenshot(path=str(SHOTS / f"{name}_card.png"))  # type: ignore[attr-defined]


def test_an_urgent_sms_is_alerted_worked_answered_and_its_stage_told(  # noqa: PLR0915 (one loop)
    app: App,  # noqa: F811 (the fixture)
    channel: tuple[Channel, KannelPorts, Path],  # noqa: F811
    processes: Processes,  # noqa: F811
    project: Project,
    personas: dict[str, User],
    browser: object,
    tmp_path: Path,
    settings: Any,
) -> None:
    _kannel, ports, directory = channel
    focal = personas["protection"]
    focal.email = EMAIL
    # The app's processes run the production settings, whose hashers don't include the
    # test settings' fast MD5: the password hashed as they verify it.
    settings.PASSWORD_HASHERS = [PBKDF2, *settings.PASSWORD_HASHERS]
    focal.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    focal.save(update_fields=["email", "password"])
    manager = viewer_for(personas["manager"], project.pk)
    assert manager is not None
    do_save_reply_template(manager, code="answered", name="Answered", texts=TEMPLATE)
    outbox = tmp_path / "var" / "outbox"
    app.env["RESPONSEMAP_VAR_DIR"] = str(tmp_path / "var")  # the worker's mail, as files
    app.start_worker()
    app.start_web()
    start_kannel(processes, directory / "kannel.conf", ports)
    fake = FakeSMSC(processes, ports.smsc)

    # 1-2. The SMS through Kannel; the worker makes the record and the alert.
    fake.send(f"{SENDER} {corpus.RECEIVER} text {MESSAGE}")
    records = Feedback.objects.filter(project=project)
    wait_until(records.exists, START_SECONDS, "the SMS made a record")
    record = records.get()
    assert (record.source, record.urgency, record.sensitivity) == ("sms", "critical", "sensitive")
    notified = Notification.objects.filter(user=focal)
    wait_until(notified.exists, START_SECONDS, "the alert's notification")
    assert Alert.objects.filter(feedback=record).count() == 1
    assert not Notification.objects.filter(user=personas["officer"]).exists()  # hidden from them
    officer = Client()
    officer.force_login(personas["officer"])
    record_page = reverse("triage:detail", args=[project.slug, record.pk])
    assert officer.get(record_page).status_code == 404

    def written() -> list[email.message.Message]:
        """The mails in the outbox, once each is whole (the worker may still be writing
        the file when it appears)."""
        if not outbox.exists():
            return []
        found = [email.message_from_bytes(p.read_bytes()) for p in outbox.iterdir()]
        return found if found and all(m["To"] for m in found) else []

    wait_until(lambda: bool(written()), START_SECONDS, "the e-mail")
    mails = written()
    assert [m["To"] for m in mails] == [EMAIL]
    payload = mails[0].get_payload(decode=True)
    assert isinstance(payload, bytes)
    body = payload.decode()
    assert record.reference in str(mails[0]["Subject"]) + body
    assert "canal" not in body
    assert SENDER not in body

    # 3. The focal point, in the browser at 1280 px.
    desk = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()  # type: ignore[attr-defined]
    sign_in(desk, app.url, "protection")
    desk.wait_for_url(f"**/p/{project.slug}/inbox/")
    assert desk.locator("#unread-count").inner_text().strip().endswith("1")
    shot(desk, "01_inbox_unread_alert_1280")
    desk.click("#nav-notifications")
    desk.wait_for_selector("article.alert-item")
    assert record.reference in desk.locator("article.alert-item").inner_text()
    assert "canal" not in desk.content()  # never the message on the Alerts page
    shot(desk, "02_alerts_1280")
    desk.click("article.alert-item button:has-text('Acknowledge')")
    desk.get_by_text("Acknowledged: it will not be escalated.").wait_for()
    assert Alert.objects.get(feedback=record).acknowledged_by_id == focal.pk
    assert desk.locator("#unread-count").count() == 0  # read once acknowledged
    desk.select_option("select[name=show]", "all")
    desk.click("form[role=search] button:has-text('Show')")
    desk.wait_for_selector("article.alert-item .alert-actions >> text=Acknowledged")
    shot(desk, "03_alert_acknowledged_1280")
    desk.click(f"article.alert-item a:has-text('{record.reference}')")
    desk.wait_for_selector("#protection-check")
    shot(desk, "04_record_protection_check_1280", "#protection-check")
    desk.fill("#id_lower_reason", LOWER_REASON)
    desk.click("#protection-check button:has-text('Lower to normal')")
    desk.wait_for_selector("#work")
    wait_until(lambda: Feedback.objects.get(pk=record.pk).sensitivity == "normal", 10, "lowered")
    desk.select_option("#id_assignee", str(focal.pk))
    desk.click("#work button:has-text('Assign')")
    desk.wait_for_selector("text=Saved.")
    record.refresh_from_db()
    assert (record.assignee_id, record.status) == (focal.pk, Status.ASSIGNED)
    desk.select_option("#id_to_status", Status.IN_PROGRESS)
    desk.click("#work button:has-text('Change status')")
    desk.wait_for_selector("text=Saved.")
    record.refresh_from_db()
    assert record.status == Status.IN_PROGRESS
    shot(desk, "05_record_in_progress_1280", "#work")

    # 4. The reply from the Replies card, from the template, in the record's language.
    desk.select_option("#id_reply_template", "answered")
    wait_until(
        lambda: record.reference in desk.locator("#id_reply_text").input_value(), 10, "filled"
    )
    assert fits(desk, 1280)
    shot(desk, "06_reply_from_template_1280", "#replies")
    desk.check("#reply-form input[name=mark_answered]")
    desk.click("#reply-form button:has-text('Send reply')")
    received = fake.wait_for_mt(1, timeout=START_SECONDS)
    assert [r.receiver for r in received] == [SENDER]
    assert record.reference in received[0].text
    assert received[0].text in {
        text.replace("{reference}", record.reference) for text in TEMPLATE.values()
    }
    outbound = OutboundMessage.objects.filter(purpose=OutboundMessage.Purpose.REPLY)
    wait_until(
        lambda: outbound.filter(state="delivered").exists(), START_SECONDS, "delivery report"
    )
    record.refresh_from_db()
    assert record.status == Status.ANSWERED
    desk.reload()
    assert desk.locator("#replies .delivery strong").inner_text() == "Delivered"
    shot(desk, "07_reply_delivered_1280", "#replies")

    # 5a. The public status page on a phone, with the code as people type it.
    phone = browser.new_context(viewport={"width": 390, "height": 844}).new_page()  # type: ignore[attr-defined]
    phone.goto(f"{app.url}/f/{project.slug}/status/?lang=en")
    phone.fill("input[name=code]", record.reference.replace("-", " ").lower())
    phone.click("button[type=submit]")
    phone.wait_for_selector("#answer")
    assert phone.locator("#stage").inner_text() == "Answered"
    assert "canal" not in phone.content()
    assert fits(phone, 390)
    shot(phone, "08_public_status_390")

    # 5b. The same code texted through Kannel: the stage comes back by SMS.
    fake.send(f"{SENDER} {corpus.RECEIVER} text STATUT {record.reference.lower()}")
    received = fake.wait_for_mt(2, timeout=START_SECONDS)
    assert len(received) == 2, "no answer to the texted code"
    contact_language = record.contact.language if record.contact else ""
    with translation.override(reply_language(contact_language, project.languages)):
        expected = as_sent(answer_text(public_status(project, record.reference)))
        stage = str(PublicStage.ANSWERED.label)
    assert (received[1].receiver, received[1].text) == (SENDER, expected)
    assert stage in received[1].text
    assert Feedback.objects.filter(project=project).count() == 1  # the query made no record

    # The loop on the record's audit trail, in order; the officer now sees the record.
    trail = AuditEvent.objects.filter(project_id=project.pk).order_by("seq")
    # A protection suggestion raises the record first (suggestion.raise), the rule then
    # finds it raised already: either way it is raised once, before anyone sees it.
    raised = {"suggestion.raise": "feedback.raise_sensitivity"}
    actions = [
        raised.get(a, a) for a in trail.values_list("action", flat=True) if raised.get(a, a) in LOOP
    ]
    assert actions == LOOP_IN_ORDER, actions
    assert officer.get(record_page).status_code == 200
