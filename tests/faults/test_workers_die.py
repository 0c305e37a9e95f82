"""Task workers SIGKILLed mid-send and mid-processing, through the real Kannel, lose
nothing and send nothing twice (docs/adr/0009-delivery-after-a-worker-dies.md).

The production shape on one machine: bearerbox, smsbox and the fake SMS centre
(configured by deploy/kannel/), the app under gunicorn with two workers, two
``manage.py db_worker`` processes. People text a French project from numbers it has never
seen (each gets the consent notice), some send STOP right after their first message
(while their notice waits for the channel's rate limit); both task workers are killed
with SIGKILL once a send is running, new ones started, more messages sent (new numbers
among them), the workers killed again once a sweep is running, new ones started. Then
the count: every message stored once and made feedback once (a STOP an opt-out instead),
none left unprocessed; every new number's notice sent at most once — exactly once
unless "unknown" (ADR 0009) or blocked by a STOP; nothing but the opt-out confirmation
(in French) reaches a number after its STOP was stored; no task left running.

The task timeout is 5 s here (300 s in production), so the dead workers' tasks come back
within the test. Needs ``kannel`` and ``kannel-extras``; skipped without them unless
RESPONSEMAP_REQUIRE_KANNEL=1 (CI). Runs on the database the suite runs on.
"""

from __future__ import annotations

import re
import signal
import time
from collections import Counter
from collections.abc import Callable

import pytest
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from responsemap.intake.contacts.actions import do_set_consent_notice
from responsemap.intake.contacts.models import Contact
from responsemap.intake.contacts.phones import phone_index
from responsemap.intake.messages.models import InboundMessage, OutboundMessage
from responsemap.projects.models import Project
from responsemap.protection.present import open_for_system
from responsemap.triage.models import Feedback
from tests.kannel import corpus
from tests.kannel.fixtures import app, make_kannel_channel, processes  # noqa: F401 (fixtures)
from tests.kannel.gateway import App, FakeSMSC, Processes, settle, start_kannel

pytestmark = [pytest.mark.kannel, pytest.mark.django_db(transaction=True)]

TIMEOUT_SECONDS = 5
# GSM-7 and under 160 characters: one SMS (fakesmsc shows the parts of a longer one).
NOTICE = (
    "Avis : Response Map lit vos messages pour mieux vous aider. "
    "Envoyez STOP pour ne plus en recevoir."
)
OPT_OUT_FR = (
    "Vous ne recevrez plus de messages de notre part. Envoyez START pour les recevoir à nouveau."
)
FIRST = [f"+50938{n:06d}" for n in range(30)]  # new numbers, before the first kill
LATER = [f"+50939{n:06d}" for n in range(10)]  # new numbers, after it
STOPPERS = set(FIRST[::5])
WORKERS = ("worker-a", "worker-b")
State = OutboundMessage.State
DONE_STATES = {State.SENT, State.DELIVERED, State.BLOCKED, State.UNKNOWN, State.FAILED}


def kannel_idle(status: str) -> bool:
    """Whether bearerbox's status page shows no SMS queued, in or out."""
    queued = re.search(r"SMS: received \d+ \((\d+) queued\), sent \d+ \((\d+) queued\)", status)
    return queued is not None and queued.groups() == ("0", "0")


def line(sender: str, text: str) -> str:
    return f"{sender} {corpus.RECEIVER} text {text}"


def running(task: str) -> int:
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, task_path__endswith=task
    ).count()


def kill_when(condition: Callable[[], bool], the_app: App, timeout: float = 20) -> bool:
    """SIGKILL both task workers as soon as ``condition`` holds (or at the deadline);
    whether it held. Then two new workers."""
    caught = settle(condition, timeout, interval=0.005)
    for name in WORKERS:
        the_app.kill_worker(name)
    for name in WORKERS:
        the_app.start_worker(name, upkeep_interval=0.5)
    return caught


def test_workers_killed_mid_send_and_mid_processing_lose_nothing_and_send_nothing_twice(
    app: App,  # noqa: F811 (the fixture)
    processes: Processes,  # noqa: F811
    project: Project,
) -> None:
    assert project.languages[0] == "fr"
    do_set_consent_notice(project_id=project.pk, language="fr", text=NOTICE)
    # 8 a second: 40 notices take five seconds, so sends wait for their slot.
    kannel, ports, directory = make_kannel_channel(project, app, send_rate=8)
    app.env["RESPONSEMAP_TASK_TIMEOUT_SECONDS"] = str(TIMEOUT_SECONDS)
    for name in WORKERS:
        app.start_worker(name, upkeep_interval=0.5)
    app.start_web(workers=2)
    start_kannel(processes, directory / "kannel.conf", ports)
    fake = FakeSMSC(processes, ports.smsc)
    started = time.monotonic()

    sent: list[str] = []

    def send(sender: str, text: str) -> None:
        fake.send(line(sender, text))
        sent.append(text)

    # Round 1: thirty new numbers; every fifth says STOP right after its first message.
    for n, number in enumerate(FIRST):
        send(number, f"[a{n:02d}] Dlo a koupe nan katye a depi 3 jou.")
        if number in STOPPERS:
            send(number, "STOP")
    caught_send = kill_when(lambda: running("send_outbound") > 0, app)
    left_running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).count()

    # Round 2: everyone again (the STOPped too: feedback is still taken), new numbers.
    for n, number in enumerate(FIRST + LATER):
        send(number, f"[b{n:02d}] Mèsi pou manje a, men fanmi nan blòk 4 pa t resevwa anyen.")
    caught_sweep = kill_when(lambda: running("sweep_received") > 0, app)
    left_running += DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).count()
    killed_at = time.monotonic()

    stored = InboundMessage.objects.filter(channel=kannel)
    outbound = OutboundMessage.objects.filter(channel=kannel)
    messages = stored.filter(kind=InboundMessage.Kind.MESSAGE)
    feedback = Feedback.objects.filter(project_id=project.pk)

    def finished() -> bool:
        return (
            stored.count() >= len(sent)
            and not stored.filter(state=InboundMessage.State.RECEIVED).exists()
            and feedback.count() >= messages.count()
            and not outbound.exclude(state__in=DONE_STATES).exists()
            and not DBTaskResult.objects.exclude(status=TaskResultStatus.SUCCESSFUL).exists()
        )

    assert settle(finished, 90, interval=0.25), (
        f"not finished: {stored.count()}/{len(sent)} stored, "
        f"{stored.filter(state='received').count()} waiting, {feedback.count()} feedback, "
        f"outbound {Counter(outbound.values_list('state', flat=True))}, tasks "
        f"{Counter(DBTaskResult.objects.values_list('status', flat=True))}"
    )
    all_done = time.monotonic()
    # Late duplicates (a second send, a retried POST) would show once nothing is left
    # to run: the workers stopped, and bearerbox's queues both ways empty.
    for name in WORKERS:
        app.processes.kill(name, signal.SIGTERM)
    assert settle(lambda: kannel_idle(ports.status()), 30), ports.status()
    received = fake.received

    # Every message stored once, processed, made feedback once; STOPs are opt-outs.
    rows = list(stored)
    texts = Counter(open_for_system(m, "text", purpose="test") for m in rows)
    assert texts == Counter(sent)
    assert not stored.exclude(state=InboundMessage.State.PROCESSED).exists()
    assert sorted(str(f.inbound_message_id) for f in feedback) == sorted(
        str(m.pk) for m in messages
    )
    stops = stored.filter(kind=InboundMessage.Kind.OPT_OUT)
    assert stops.count() == len(STOPPERS)
    assert not feedback.filter(inbound_message__in=stops).exists()

    contacts = {
        number: Contact.objects.get(project=project, phone_index=phone_index(project.pk, number))
        for number in FIRST + LATER
    }
    assert Contact.objects.filter(project=project).count() == len(contacts)
    opted_out = {n for n, c in contacts.items() if c.opted_out_at is not None}
    assert opted_out == STOPPERS

    by_receiver: dict[str, Counter[str]] = {}
    for mt in received:
        by_receiver.setdefault(mt.receiver, Counter())[mt.text] += 1

    # Every new number: one notice row (none if its STOP came in first and made the
    # contact); sent at most once, exactly once when "sent".
    rows_per_contact = Counter(
        str(c) for c in outbound.filter(purpose="notice").values_list("contact_id", flat=True)
    )
    assert max(rows_per_contact.values()) == 1
    notices = {str(n.contact_id): n for n in outbound.filter(purpose="notice")}
    states: Counter[str] = Counter()
    for number, contact in contacts.items():
        notice = notices.get(str(contact.pk))
        got = by_receiver.get(number, Counter())[NOTICE]
        if notice is None:
            assert number in STOPPERS
            assert got == 0
            states["none: STOP first"] += 1
            continue
        states[notice.state] += 1
        assert got <= 1, f"notice sent {got} times"
        if notice.state in (State.SENT, State.DELIVERED):
            assert got == 1
        elif notice.state == State.BLOCKED:
            assert number in STOPPERS
            assert got == 0
        else:
            assert notice.state == State.UNKNOWN, notice.state

    # Nothing after a STOP but its confirmation, in French, once.
    confirmations: Counter[str] = Counter()
    for number in STOPPERS:
        contact = contacts[number]
        assert contact.opted_out_at is not None
        mts = by_receiver.get(number, Counter())
        (confirmation,) = outbound.filter(contact=contact, purpose="opt_out_confirm")
        assert mts[OPT_OUT_FR] <= 1
        if confirmation.state != State.UNKNOWN:  # at most once (ADR 0009): else exactly once
            assert mts[OPT_OUT_FR] == 1, confirmation.state
        confirmations[confirmation.state] += 1
        others = outbound.filter(contact=contact).exclude(purpose="opt_out_confirm")
        for message in others.filter(state__in=[State.SENT, State.DELIVERED, State.UNKNOWN]):
            assert message.attempt_started_at is not None
            assert message.attempt_started_at < contact.opted_out_at
        allowed = others.filter(state__in=[State.SENT, State.DELIVERED, State.UNKNOWN]).count()
        assert sum(mts.values()) - mts[OPT_OUT_FR] <= allowed
    assert sum(by_receiver.get(n, Counter())[OPT_OUT_FR] for n in contacts) <= len(STOPPERS)

    # The kills left tasks running, and the new workers took them up.
    assert left_running > 0
    logs = [p.read_text(errors="replace") for p in processes.log_dir.glob("worker-*.log")]
    assert any("queued again" in log for log in logs)
    for log in logs:  # ids only: no number, no text
        for personal in ("+50938", "+50939", "Dlo a koupe", "Mèsi"):
            assert personal not in log

    print(
        f"\nworkers killed: {len(sent)} messages from {len(contacts)} new numbers "
        f"({len(STOPPERS)} STOPs); first kill {'mid-send' if caught_send else 'late'}, second "
        f"{'mid-sweep' if caught_sweep else 'late'}; {left_running} task(s) left running; "
        f"all done {all_done - killed_at:.1f} s after the second kill "
        f"({all_done - started:.1f} s in all)"
        f"\n  notices {dict(states)}; confirmations {dict(confirmations)}; "
        f"MTs at the fake SMSC {len(received)}"
    )
