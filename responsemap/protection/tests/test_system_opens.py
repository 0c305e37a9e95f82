"""Every decryption for a system task is accounted for (issue 9, point 6).

``open_for_system`` takes a purpose from a fixed list and refuses any other; its opens
are counted and written as one ``system.open`` event per (project, purpose): when a task
ends (chained), or from a web process at most once a minute or at a threshold (pending,
so the hot path takes no head lock), never inside the caller's transaction.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django_tasks import task

from responsemap.intake.channels.actions import do_create_channel
from responsemap.intake.channels.base import Inbound
from responsemap.intake.channels.models import Channel
from responsemap.intake.channels.queries import channel_secrets, load_inbound_channel
from responsemap.intake.contacts.actions import do_get_or_create_contact
from responsemap.intake.messages.store import Outcome, store_from_phone
from responsemap.intake.messages.sweep import sweep_received
from responsemap.lib.clock import FakeClock
from responsemap.projects.models import Project
from responsemap.protection import system_opens
from responsemap.protection.audit import event_details, sequence_pending
from responsemap.protection.models import AuditEvent, AuditPending
from responsemap.protection.present import open_for_system
from responsemap.protection.system_opens import SystemPurpose
from responsemap.triage.models import Feedback

ROOT = Path(__file__).resolve().parents[3]
MakeFeedback = Callable[..., Feedback]


def written(purpose: SystemPurpose) -> list[tuple[str, list[str], str]]:
    """The ``system.open`` events of ``purpose``: (actor, fields, reason) each."""
    events = list(AuditEvent.objects.filter(action="system.open", purpose=purpose.value))
    return [
        (e.actor_label, d.fields, d.reason)
        for e, d in zip(events, event_details(events), strict=True)
    ]


@task()
def open_feedback_texts(ids: list[str]) -> None:
    for pk in ids:
        open_for_system(Feedback.objects.get(pk=pk), "content", purpose=SystemPurpose.TEST)


@pytest.mark.django_db
@pytest.mark.parametrize("purpose", ["", "because", "redaction", "TEST", None])
def test_a_purpose_not_on_the_list_is_refused(make_feedback: MakeFeedback, purpose: object) -> None:
    record = Feedback.objects.get(pk=make_feedback().pk)
    with pytest.raises(ValueError, match="not a system purpose"):
        open_for_system(record, "content", purpose=purpose)  # type: ignore[arg-type]
    assert system_opens.counted() == {}


@pytest.mark.django_db
def test_the_test_purpose_is_refused_in_production(make_feedback: MakeFeedback) -> None:
    record = Feedback.objects.get(pk=make_feedback().pk)
    with override_settings(PRODUCTION=True), pytest.raises(ValueError, match="production"):
        open_for_system(record, "content", purpose=SystemPurpose.TEST)


@pytest.mark.django_db
def test_a_tasks_opens_are_one_event_per_project_and_purpose_when_it_ends(
    make_feedback: MakeFeedback, project: Project
) -> None:
    ids = [str(make_feedback(f"Dlo {n}").pk) for n in range(3)]
    open_feedback_texts.enqueue(ids)  # the immediate backend: started, run, finished
    assert written(SystemPurpose.TEST) == [("system", ["feedback.content"], "count=3")]
    event = AuditEvent.objects.get(action="system.open", purpose="test")
    assert event.project_id == project.pk
    assert system_opens.counted() == {}


@pytest.mark.django_db
def test_the_sweep_accounts_for_the_texts_it_opened(project: Project) -> None:
    channel = do_create_channel(
        project_id=project.pk, kind="webhook", name="relay", secrets={"secret": "s3cret-relay"}
    )
    channel = Channel.objects.select_related("project").get(pk=channel.pk)
    do_get_or_create_contact(project_id=project.pk, country="HT", raw_phone="+50937001122")
    inbound = load_inbound_channel(channel.pk)
    assert inbound is not None
    for n in range(4):
        outcome, _ = store_from_phone(inbound, Inbound(f"m{n}", "+50937001122", f"Dlo {n}"))
        assert outcome == Outcome.STORED
    sweep_received.enqueue()
    assert Feedback.objects.count() == 4
    assert written(SystemPurpose.CREATE_FEEDBACK) == [
        ("system", ["inboundmessage.text"], "count=4")
    ]


@pytest.mark.django_db(transaction=True)
def test_outside_a_task_opens_are_written_pending_once_a_minute(
    make_feedback: MakeFeedback, clock: FakeClock
) -> None:
    record = Feedback.objects.get(pk=make_feedback().pk)
    for _ in range(5):
        open_for_system(record, "content", purpose=SystemPurpose.TEST)
    assert not AuditPending.objects.filter(action="system.open").exists()
    clock.advance(system_opens.FLUSH_SECONDS)
    open_for_system(record, "content", purpose=SystemPurpose.TEST)
    # Pending: no head lock on the web process's path; the worker's sweep chains it.
    assert AuditPending.objects.filter(action="system.open", purpose="test").count() == 1
    assert not AuditEvent.objects.filter(action="system.open", purpose="test").exists()
    sequence_pending()
    assert written(SystemPurpose.TEST) == [("system", ["feedback.content"], "count=6")]
    assert system_opens.counted() == {}


@pytest.mark.django_db(transaction=True)
def test_outside_a_task_opens_are_written_at_a_threshold(
    make_feedback: MakeFeedback, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(system_opens, "FLUSH_COUNT", 3)
    record = Feedback.objects.get(pk=make_feedback().pk)
    for _ in range(7):
        open_for_system(record, "content", purpose=SystemPurpose.TEST)
    assert AuditPending.objects.filter(action="system.open").count() == 2
    assert system_opens.counted() == {(record.project_id, "test"): 1}


@pytest.mark.django_db(transaction=True)
def test_counts_are_never_written_inside_the_callers_transaction(
    make_feedback: MakeFeedback, clock: FakeClock
) -> None:
    """A count written there would go with a rollback: it waits for the next open."""
    record = Feedback.objects.get(pk=make_feedback().pk)
    open_for_system(record, "content", purpose=SystemPurpose.TEST)
    clock.advance(system_opens.FLUSH_SECONDS + 1)
    with transaction.atomic():
        open_for_system(record, "content", purpose=SystemPurpose.TEST)
        transaction.set_rollback(True)
    assert not AuditPending.objects.filter(action="system.open").exists()
    open_for_system(record, "content", purpose=SystemPurpose.TEST)
    assert AuditPending.objects.filter(action="system.open").count() == 1
    sequence_pending()
    assert written(SystemPurpose.TEST) == [("system", ["feedback.content"], "count=3")]


@pytest.mark.django_db(transaction=True)
def test_a_web_process_writes_due_counts_after_its_next_request(
    make_feedback: MakeFeedback, clock: FakeClock, client: Client
) -> None:
    """A process that opens nothing more (the channel's secrets stay in memory) still
    writes its counts: at the end of the next request once they are due."""
    record = Feedback.objects.get(pk=make_feedback().pk)
    open_for_system(record, "content", purpose=SystemPurpose.TEST)
    client.get("/healthz")
    assert not AuditPending.objects.filter(action="system.open").exists()  # not due yet
    clock.advance(system_opens.FLUSH_SECONDS)
    client.get("/healthz")
    assert AuditPending.objects.filter(action="system.open", purpose="test").count() == 1
    assert system_opens.counted() == {}


@pytest.mark.django_db
def test_a_webhooks_credential_check_is_counted_as_such(project: Project) -> None:
    channel = do_create_channel(
        project_id=project.pk, kind="webhook", name="relay", secrets={"secret": "s3cret-relay"}
    )
    assert channel_secrets(Channel.objects.get(pk=channel.pk)) == {"secret": "s3cret-relay"}
    assert system_opens.counted() == {(project.pk, "authenticate_webhook"): 1}


def test_every_purpose_has_words() -> None:
    for purpose in SystemPurpose:
        assert str(purpose.label)
        assert str(purpose.label) != purpose.value


def _open_calls() -> list[tuple[str, int, ast.expr | None]]:
    calls = []
    for path in sorted((ROOT / "responsemap").rglob("*.py")):
        if "tests" in path.parts:
            continue
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "open_for_system"
            ):
                purpose = next((k.value for k in node.keywords if k.arg == "purpose"), None)
                calls.append((str(path.relative_to(ROOT)), node.lineno, purpose))
    return calls


def test_the_code_opens_only_for_purposes_on_the_list() -> None:
    """Outside tests, every call names a ``SystemPurpose`` member (or passes on the
    purpose its own caller chose, typed as one); never the test purpose."""
    calls = _open_calls()
    assert len(calls) >= 6
    for where, line, purpose in calls:
        named = (
            isinstance(purpose, ast.Attribute)
            and isinstance(purpose.value, ast.Name)
            and purpose.value.id == "SystemPurpose"
            and purpose.attr in SystemPurpose.names
            and purpose.attr != "TEST"
        )
        passed_on = isinstance(purpose, ast.Name) and purpose.id == "purpose"
        assert named or passed_on, f"{where}:{line}: open_for_system without a listed purpose"
