"""A reply from the record, to an SMS that came in through the real Kannel: the message
goes from the fake SMS centre through bearerbox and smsbox to the app, the worker makes
it a record, an officer answers it from the record (``do_reply_to_feedback``), and the
reply leaves through Kannel's sendsms, reaches the fake SMS centre addressed to the
sender, and comes back delivered through Kannel's delivery report — shown on the record
in words. Needs ``kannel`` and ``kannel-extras``; skipped without them unless
RESPONSEMAP_REQUIRE_KANNEL=1 (CI).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from responsemap.accounts.models import User
from responsemap.accounts.queries import viewer_for
from responsemap.intake.channels.models import Channel
from responsemap.intake.messages.models import InboundMessage, OutboundMessage
from responsemap.projects.models import Project
from responsemap.triage.alerts.models import AlertPolicy
from responsemap.triage.choices import Status
from responsemap.triage.models import Feedback
from responsemap.triage.replies.actions import do_reply_to_feedback
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

pytestmark = [pytest.mark.kannel, pytest.mark.django_db(transaction=True)]

SENDER = corpus.SENDERS[3]
MESSAGE = "Pa gen dlo nan blok 4 depi lendi"
REPLY = "Mèsi. Ekip dlo a ap pase jedi — شكرا"


def test_a_reply_from_the_record_reaches_the_sender_through_kannel(
    app: App,  # noqa: F811 (the fixture)
    channel: tuple[Channel, KannelPorts, Path],  # noqa: F811
    processes: Processes,  # noqa: F811
    project: Project,
    personas: dict[str, User],
) -> None:
    kannel, ports, directory = channel
    # No receipts (triage.status_lookup.receipts): this test counts every SMS sent.
    AlertPolicy.objects.create(project_id=kannel.project_id, send_receipts=False)
    app.start_worker()
    app.start_web()
    start_kannel(processes, directory / "kannel.conf", ports)
    fake = FakeSMSC(processes, ports.smsc)

    fake.send(f"{SENDER} {corpus.RECEIVER} text {MESSAGE}")
    records = Feedback.objects.filter(project=project)
    wait_until(lambda: records.exists(), START_SECONDS, "the SMS made a record")
    record = records.get()
    assert record.source == "sms"
    assert InboundMessage.objects.get(pk=str(record.inbound_message_id)).channel_id == kannel.pk

    officer = viewer_for(personas["officer"], project.pk)
    assert officer is not None
    Feedback.objects.filter(pk=record.pk).update(status=Status.IN_PROGRESS)
    started = time.monotonic()
    result = do_reply_to_feedback(officer, record.pk, REPLY, mark_answered=True)
    assert result.answered
    assert result.outbound.channel_id == kannel.pk

    received = fake.wait_for_mt(1, timeout=START_SECONDS)
    assert [(r.receiver, r.text) for r in received] == [(SENDER, REPLY)]
    wait_until(
        lambda: OutboundMessage.objects.get(pk=result.outbound.pk).state == "delivered",
        START_SECONDS,
        "delivery report",
    )
    delivered = time.monotonic() - started
    record.refresh_from_db()
    assert record.status == Status.ANSWERED

    client = Client()
    client.force_login(personas["officer"])
    page = client.get(reverse("triage:detail", args=[project.slug, record.pk]))
    body = page.content.decode()
    assert REPLY in body
    assert "<strong>Delivered</strong>" in body
    time.sleep(1)
    assert len(fake.received) == 1  # nothing else went to the sender
    print(f"\nkannel reply: delivered and reported {delivered:.1f} s after queueing")
