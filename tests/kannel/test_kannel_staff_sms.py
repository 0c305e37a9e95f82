"""SMS alerts to a staff phone through the real Kannel: protection staff confirm their
phone with the code Kannel delivers to the fake SMS centre; then an SMS with a threat
comes in through Kannel, the worker makes it a record, raises the alert, and texts it —
through Kannel's sendsms, at the channel's rate — to the confirmed phone, with the
reference and the project only. Needs ``kannel`` and ``kannel-extras``; skipped without
them unless RESPONSEMAP_REQUIRE_KANNEL=1 (CI).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from responsemap.accounts.models import User
from responsemap.accounts.phones.actions import (
    CodeSent,
    do_confirm_staff_phone,
    do_set_staff_phone,
)
from responsemap.intake.channels.models import Channel
from responsemap.projects.models import Project
from responsemap.triage.alerts.models import StaffSms
from responsemap.triage.alerts.tests.staff_phones import code_in, texting_policy
from responsemap.triage.models import Feedback
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

SENDER = corpus.SENDERS[5]
THREAT = "The guard beat me near the latrines last night"
STAFF = "+50937110022"  # invented


def test_an_urgent_sms_is_texted_to_a_confirmed_staff_phone_through_kannel(
    app: App,  # noqa: F811 (the fixture)
    channel: tuple[Channel, KannelPorts, Path],  # noqa: F811
    processes: Processes,  # noqa: F811
    project: Project,
    personas: dict[str, User],
) -> None:
    kannel, ports, directory = channel
    # No receipts (triage.status_lookup.receipts): this test counts every SMS sent.
    texting_policy(project, kannel, send_receipts=False)
    app.start_worker()
    app.start_web()
    start_kannel(processes, directory / "kannel.conf", ports)
    fake = FakeSMSC(processes, ports.smsc)

    protection = personas["protection"]
    assert do_set_staff_phone(protection, STAFF, "en") is CodeSent.SENT
    [code] = fake.wait_for_mt(1, timeout=START_SECONDS)
    assert code.receiver == STAFF
    assert do_confirm_staff_phone(protection, code_in(code.text))

    started = time.monotonic()
    fake.send(f"{SENDER} {corpus.RECEIVER} text {THREAT}")
    received = fake.wait_for_mt(2, timeout=START_SECONDS)
    texted = time.monotonic() - started
    record = Feedback.objects.get(project=project)
    assert record.sensitivity == "sensitive"  # a protection case: protection staff only
    alert = received[1]
    assert alert.receiver == STAFF
    assert alert.text == f"Urgent record {record.reference} in {project.name}: open the app."
    wait_until(
        lambda: StaffSms.objects.filter(state="sent").count() == 1,
        START_SECONDS,
        "the staff SMS recorded as sent",
    )
    time.sleep(1)
    assert [r.receiver for r in fake.received] == [STAFF, STAFF]  # nothing else went out
    print(f"\nkannel staff SMS: texted {texted:.1f} s after the urgent SMS came in")
