"""The Kannel channel against the real Kannel 1.4: bearerbox, smsbox and the fake SMS
centre, configured by deploy/kannel/, in front of the app under gunicorn.

One run: 1,000 messages (French, Creole, Arabic, emoji, line breaks, long messages in
concatenated parts) go from the fake SMSC through Kannel to the app; half-way the whole
web server is SIGKILLed and restarted a few seconds later; smsbox retries what failed.
Every message must be stored once and become feedback once, text intact, no SMS may go
back by accident, and a reply must leave through sendsms, reach the fake SMSC and come
back delivered through Kannel's delivery reports.

Tasks run in ``manage.py db_worker``, as in production, not in the web process: with
the immediate backend, processing runs inside the request after its commit, so a kill
at that moment leaves a stored message that the retried request (a duplicate, so a
no-op) never processes. Needs ``kannel`` and ``kannel-extras`` (fakesmsc); skipped
without them unless RESPONSEMAP_REQUIRE_KANNEL=1 (CI).
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from responsemap.intake.channels.models import Channel
from responsemap.intake.contacts.models import Contact
from responsemap.intake.messages.models import InboundMessage, OutboundMessage
from responsemap.intake.messages.send import do_queue_outbound
from responsemap.protection.present import open_for_system
from responsemap.triage.alerts.models import AlertPolicy
from responsemap.triage.models import Feedback
from tests.kannel import corpus
from tests.kannel.fixtures import app, channel, processes  # noqa: F401 (fixtures)
from tests.kannel.gateway import (
    START_SECONDS,
    App,
    FakeSMSC,
    KannelPorts,
    Processes,
    settle,
    start_kannel,
    wait_until,
)

pytestmark = [pytest.mark.kannel, pytest.mark.django_db(transaction=True)]

MESSAGES = 1000
KILL_AT = MESSAGES // 3  # stored messages before the web server is killed
DOWN_SECONDS = 4
# Paced near the app's pace, so the kill lands while fakesmsc is still sending, not only
# while smsbox is still posting what bearerbox already holds.
LINE_INTERVAL = 0.01
REPLY = "Mèsi. Distribisyon an se jedi a 10è — شكرا لكم"


def feed(fake: FakeSMSC, messages: list[corpus.Message], done: dict[str, float]) -> None:
    for message in messages:
        for line in message.lines:
            fake.send(line)
            time.sleep(LINE_INTERVAL)
    done["at"] = time.monotonic()


def test_a_thousand_messages_through_kannel_survive_a_web_crash(
    app: App,  # noqa: F811 (the fixture)
    channel: tuple[Channel, KannelPorts, Path],  # noqa: F811
    processes: Processes,  # noqa: F811
) -> None:
    kannel, ports, directory = channel
    # No receipts (triage.status_lookup.receipts): this test counts every SMS sent.
    AlertPolicy.objects.create(project_id=kannel.project_id, send_receipts=False)
    messages = corpus.build(MESSAGES)
    app.start_worker()
    app.start_web()
    start_kannel(processes, directory / "kannel.conf", ports)
    fake = FakeSMSC(processes, ports.smsc)

    stored = InboundMessage.objects.filter(channel=kannel)
    started = time.monotonic()
    fed: dict[str, float] = {}
    feeder = threading.Thread(target=feed, args=(fake, messages, fed), daemon=True)
    feeder.start()

    wait_until(lambda: stored.count() >= KILL_AT, 60, f"{KILL_AT} messages stored")
    killed_at = time.monotonic()
    stored_at_kill, fed_at_kill = stored.count(), fake.sent
    app.kill_web()
    time.sleep(DOWN_SECONDS)
    restarted_at = time.monotonic()
    app.start_web()  # returns once /healthz answers, behind smsbox's burst of retries
    healthy_at = time.monotonic()

    feeder.join(timeout=120)
    assert not feeder.is_alive(), "fakesmsc stalled"
    settle(lambda: stored.count() >= MESSAGES, 90)
    all_stored = time.monotonic()
    assert stored.count() == MESSAGES, f"{stored.count()} of {MESSAGES} stored"
    feedback = Feedback.objects.filter(project_id=kannel.project_id)
    settle(lambda: feedback.count() >= MESSAGES, 60)
    all_feedback = time.monotonic()
    unprocessed = stored.filter(state=InboundMessage.State.RECEIVED).count()
    assert feedback.count() == MESSAGES, (
        f"{feedback.count()} feedback for {MESSAGES} messages; {unprocessed} stored but "
        "never processed (a task lost when the web process died between commit and enqueue?)"
    )
    time.sleep(2)  # late duplicates (smsbox retries still queued) would show now

    # Exactly once, text intact.
    rows = list(stored.select_related("contact"))
    texts = [open_for_system(m, "text", purpose="test") or "" for m in rows]
    duplicates = sum(n - 1 for n in Counter(texts).values() if n > 1)
    assert duplicates == 0
    assert sorted(texts) == sorted(m.text for m in messages)
    contacts = Contact.objects.filter(project_id=kannel.project_id).count()
    assert contacts == len(corpus.SENDERS)
    by_id = {str(m.pk): text for m, text in zip(rows, texts, strict=True)}
    feedback_rows = list(feedback)
    sources = [str(f.inbound_message_id) for f in feedback_rows]
    assert len(sources) == MESSAGES
    assert set(sources) == set(by_id)
    for item in feedback_rows:
        text = open_for_system(item, "content", purpose="test")
        assert text == by_id[str(item.inbound_message_id)]
    assert not stored.exclude(state=InboundMessage.State.PROCESSED).exists()

    # A reply goes out through sendsms and comes back delivered.
    source = next(m for m in rows if by_id[str(m.pk)].startswith("[0000]"))
    assert source.contact is not None
    sent_at = time.monotonic()
    reply = do_queue_outbound(
        channel=kannel,
        contact=source.contact,
        purpose=OutboundMessage.Purpose.REPLY,
        text=REPLY,
        in_reply_to=source,
    )
    received = fake.wait_for_mt(1, timeout=START_SECONDS)
    assert [r.text for r in received] == [REPLY]  # and no accidental reply to any MO
    assert received[0].receiver == corpus.SENDERS[0]
    wait_until(
        lambda: OutboundMessage.objects.get(pk=reply.pk).state == "delivered",
        START_SECONDS,
        "delivery",
    )
    delivered_at = time.monotonic()
    time.sleep(1)
    assert len(fake.received) == 1

    # Nothing personal and no secret in any log: Kannel's (bearerbox at level 2, smsbox at
    # 4, consoles at -v 4, a counts-only access log) or ours.
    config = (directory / "kannel.conf").read_text()
    match = re.search(r"kannel:([^@\"]+)@", config)
    assert match is not None
    secret = match.group(1)
    for log in [*directory.glob("log/*.log"), *processes.log_dir.glob("*.log")]:
        if log.name.startswith("fakesmsc"):
            continue  # the simulated phone network
        content = log.read_text(errors="replace")
        for personal in ("+5093700", "[0001]", "Dlo a koupe", "الماء", secret):
            assert personal not in content, log.name

    shapes = Counter(m.shape for m in messages)
    print(
        f"\nkannel: {MESSAGES} messages {dict(shapes)} in "
        f"{sum(len(m.lines) for m in messages)} fakesmsc lines, fed in {fed['at'] - started:.1f} s"
        f"\n  stored {len(rows)}, feedback {len(feedback_rows)}, duplicates {duplicates}, "
        f"contacts {contacts}"
        f"\n  web SIGKILLed at {killed_at - started:.1f} s with {stored_at_kill} stored and "
        f"{fed_at_kill} lines fed; "
        f"restarted at {restarted_at - started:.1f} s, answering at {healthy_at - started:.1f} s"
        f"\n  {MESSAGES - stored_at_kill} stored after the kill (held by bearerbox or retried "
        "by smsbox)"
        f"\n  all stored at {all_stored - started:.1f} s, all feedback at "
        f"{all_feedback - started:.1f} s; reply delivered {delivered_at - sent_at:.1f} s after "
        "queueing"
    )
