"""The audit log against whoever can write its database (ADR 0007).

Every attack is made behind the application's back: on SQLite through a second
``sqlite3`` connection to the test database file; on PostgreSQL with raw SQL as the
tables' owner with the triggers off (``testing_db.behind_the_apps_back``: what the
runtime role itself is refused is tested with migration 0007). Each one is then
detected by ``verify_audit``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import socket
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import closing
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from responsemap.intake.channels.actions import do_create_channel
from responsemap.intake.channels.base import Inbound
from responsemap.intake.channels.queries import load_inbound_channel
from responsemap.intake.messages.models import InboundMessage
from responsemap.intake.messages.store import Outcome, store_from_phone
from responsemap.lib import rawsql
from responsemap.lib.clock import FakeClock
from responsemap.lib.tasks import run_upkeep
from responsemap.projects.models import Project
from responsemap.protection import audit, witness
from responsemap.protection.audit import (
    PENDING_COLUMNS,
    chain_for,
    deferred_chaining,
    event_details,
    record_event,
    sequence_pending,
    verify_chain,
    verify_pending,
)
from responsemap.protection.keyring import crypto_shred_project
from responsemap.protection.models import AuditChainHead, AuditEvent, AuditPending
from responsemap.testing_db import behind_the_apps_back, sqlite_files

pytestmark = pytest.mark.django_db(transaction=True)
SECRET_WORD = "Xylophonique"


def attack(sql: str, params: tuple[Any, ...] = ()) -> None:
    """Write to the database behind the application's back."""
    if connection.vendor == "sqlite":
        with closing(sqlite3.connect(connection.settings_dict["NAME"])) as db:
            db.execute(sql.replace("%s", "?"), params)
            db.commit()
        return
    with transaction.atomic(), connection.cursor() as cursor:
        behind_the_apps_back(cursor)  # the tables' owner, triggers off
        cursor.execute(sql, params)


def problems() -> str:
    """What ``verify_audit`` says; empty when all is well."""
    err = StringIO()
    try:
        call_command("verify_audit", stdout=StringIO(), stderr=err)
    except CommandError:
        return err.getvalue()
    return ""


def views(project: Project, count: int) -> None:
    for n in range(count):
        record_event("feedback.view", project_id=project.pk, object_type="feedback", object_id=n)


def head_row(chain: str) -> tuple[int, str, str]:
    head = AuditChainHead.objects.get(chain=chain)
    return head.seq, head.hash, head.mac


@pytest.fixture
def witness_log(settings: Any, tmp_path: Path) -> Iterator[Path]:
    """A file witness of this test's own (tests run with the witness off)."""
    settings.RESPONSEMAP_AUDIT_WITNESS = str(tmp_path / "witness")
    witness.forget()
    yield tmp_path / "witness" / witness.FILENAME
    witness.forget()


def test_an_untouched_log_verifies_with_its_witness(project: Project, witness_log: Path) -> None:
    views(project, 3)
    call_command("audit_checkpoint", stdout=StringIO())
    assert witness_log.exists()
    assert oct(witness_log.parent.stat().st_mode & 0o777) == "0o700"
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert "1 witness line(s) compared" in out.getvalue()


# The head ----------------------------------------------------------------------------


def test_a_tail_deleted_and_the_head_rewound_fails_the_heads_mac(project: Project) -> None:
    chain = chain_for(project.pk)
    views(project, 4)
    last = AuditEvent.objects.filter(chain=chain).order_by("-seq")
    keep = last[2]  # the events after it are deleted
    attack("DELETE FROM protection_auditevent WHERE chain = %s AND seq > %s", (chain, keep.seq))
    attack(
        "UPDATE protection_auditchainhead SET seq = %s, hash = %s WHERE chain = %s",
        (keep.seq, keep.hash, chain),
    )
    problem = verify_chain(chain)
    assert problem is not None
    assert "fails its MAC" in problem.problem
    assert "fails its MAC" in problems()


def test_events_chained_while_it_checks_are_no_tail_deleted(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``verify_audit`` run beside a working worker: events chained between its reading
    of the head and of the events lie past that head, and are not a problem."""
    chain = chain_for(project.pk)
    views(project, 3)
    real_mac = audit.head_mac
    chained: list[int] = []

    def chain_one_more_first(*args: Any) -> str:
        if not chained:
            chained.append(1)
            views(project, 2)  # the worker, between the head's read and the events'
        return real_mac(*args)

    monkeypatch.setattr(audit, "head_mac", chain_one_more_first)
    assert verify_chain(chain) is None
    assert chained


def test_an_event_put_past_the_head_by_hand_is_caught(project: Project) -> None:
    chain = chain_for(project.pk)
    views(project, 3)
    last = AuditEvent.objects.filter(chain=chain).order_by("-seq").first()
    assert last is not None
    # The app's role may insert events: a forged one past the head, the head untouched.
    last.pk, last.seq, last.uid = None, last.seq + 5, uuid.uuid4()
    last.save()
    problem = verify_chain(chain)
    assert problem is not None
    assert problem.problem == f"events past the head, up to {last.seq} (inserted)"
    assert "past the head" in problems()


def test_a_head_mac_forged_without_the_key_fails(project: Project) -> None:
    """The attacker recomputes the MAC as best they can: the formula, a guessed key."""
    chain = chain_for(project.pk)
    views(project, 3)
    keep = AuditEvent.objects.get(chain=chain, seq=3)
    attack("DELETE FROM protection_auditevent WHERE chain = %s AND seq > 3", (chain,))
    guessed = hmac.new(
        secrets.token_bytes(32), f"head\x00{chain}\x003\x00{keep.hash}".encode(), hashlib.sha256
    ).hexdigest()
    attack(
        "UPDATE protection_auditchainhead SET seq = 3, hash = %s, mac = %s WHERE chain = %s",
        (keep.hash, guessed, chain),
    )
    problem = verify_chain(chain)
    assert problem is not None
    assert "fails its MAC" in problem.problem


def test_an_old_head_replayed_is_caught_by_the_witness(project: Project, witness_log: Path) -> None:
    chain = chain_for(project.pk)
    views(project, 2)
    old = head_row(chain)  # a valid head, MAC and all, saved by the attacker
    views(project, 3)
    assert witness.write_checkpoint() > 0  # the witness sees the chain at old + 3
    attack("DELETE FROM protection_auditevent WHERE chain = %s AND seq > %s", (chain, old[0]))
    attack(
        "UPDATE protection_auditchainhead SET seq = %s, hash = %s, mac = %s WHERE chain = %s",
        (*old, chain),
    )
    # The chain and its head agree and the MAC is genuine: only the witness can tell.
    assert verify_chain(chain) is None
    assert f"BEHIND {chain}: the database head is at {old[0]} events" in problems()


def test_an_old_head_replayed_before_any_checkpoint_is_not_detectable(project: Project) -> None:
    """The limit (ADR 0007): between two checkpoints, an old head put back with the tail
    after it deleted leaves nothing to compare with."""
    chain = chain_for(project.pk)
    views(project, 1)
    old = head_row(chain)
    views(project, 2)
    attack("DELETE FROM protection_auditevent WHERE chain = %s AND seq > %s", (chain, old[0]))
    attack(
        "UPDATE protection_auditchainhead SET seq = %s, hash = %s, mac = %s WHERE chain = %s",
        (*old, chain),
    )
    assert problems() == ""


def test_a_rewritten_history_is_caught_by_the_witness(project: Project, witness_log: Path) -> None:
    """The tail replaced by as many events of the attacker's: the head's hash differs."""
    chain = chain_for(project.pk)
    views(project, 3)
    witness.write_checkpoint()
    seq = head_row(chain)[0]
    attack(
        "UPDATE protection_auditevent SET hash = %s WHERE chain = %s AND seq = %s",
        ("f" * 64, chain, seq),
    )
    assert f"REWRITTEN {chain}: event seq {seq}" in problems()


# Expected chains -----------------------------------------------------------------------


def test_a_project_chain_deleted_whole_with_its_head_is_missing(project: Project) -> None:
    chain = chain_for(project.pk)
    views(project, 2)
    attack("DELETE FROM protection_auditevent WHERE chain = %s", (chain,))
    attack("DELETE FROM protection_auditchainhead WHERE chain = %s", (chain,))
    assert verify_chain(chain) is None  # nothing left to check in the chain itself
    assert f"MISSING {chain}: the project exists but its audit chain does not" in problems()


def test_a_chain_deleted_and_begun_again_does_not_open_with_its_binding(
    project: Project,
) -> None:
    chain = chain_for(project.pk)
    attack("DELETE FROM protection_auditevent WHERE chain = %s", (chain,))
    attack("DELETE FROM protection_auditchainhead WHERE chain = %s", (chain,))
    views(project, 1)  # the application carries on: a new chain, from seq 1
    assert verify_chain(chain) is None
    assert f"UNBOUND {chain}: does not open with its chain.start event" in problems()


def test_the_system_chain_deleted_whole_is_missing(project: Project) -> None:
    attack("DELETE FROM protection_auditevent WHERE chain = 'system'")
    attack("DELETE FROM protection_auditchainhead WHERE chain = 'system'")
    assert "MISSING system: projects exist but the system chain does not" in problems()


def test_a_chain_seen_by_the_witness_and_gone_is_missing(
    project: Project, witness_log: Path
) -> None:
    chain = chain_for(project.pk)
    views(project, 1)
    witness.write_checkpoint()
    attack("DELETE FROM protection_auditevent WHERE chain = %s", (chain,))
    attack("DELETE FROM protection_auditchainhead WHERE chain = %s", (chain,))
    assert f"MISSING {chain}: the witness saw it at" in problems()


def test_a_false_destruction_record_is_reported(project: Project) -> None:
    """Recording a destruction opens the purge: one for a live key is named."""
    attack(
        "INSERT INTO protection_destroyedproject (project_id, destroyed_at) VALUES (%s, %s)",
        (project.pk.hex if connection.vendor == "sqlite" else str(project.pk), "2026-01-01"),
    )
    assert f"FALSE destruction record of project {project.pk}" in problems()


# Pending events ------------------------------------------------------------------------


def store_one(project: Project, provider_id: str = "m1") -> InboundMessage:
    channel = do_create_channel(project_id=project.pk, kind="webhook", name="relay")
    loaded = load_inbound_channel(channel.pk)
    assert loaded is not None
    outcome, message = store_from_phone(loaded, Inbound(provider_id, "+50937009999", "Bonjou"))
    assert outcome == Outcome.STORED
    assert message is not None
    return message


def test_a_pending_receipt_deleted_leaves_its_message_without_one(project: Project) -> None:
    message = store_one(project)
    receipt = AuditPending.objects.get(action="message.receive")
    assert receipt.object_id == str(message.pk)
    attack("DELETE FROM protection_auditpending WHERE id = %s", (receipt.pk,))
    sequence_pending()
    found = problems()
    assert f"MISSING event: inbound message {message.pk}" in found
    assert "has no message.receive event" in found


def test_a_duplicated_pending_event_is_chained_once_and_reported(project: Project) -> None:
    with deferred_chaining():
        record_event("message.receive", project_id=project.pk, object_id="m", fields=["text"])
    (original,) = AuditPending.objects.all()
    columns = ", ".join(f.column for f in AuditPending._meta.concrete_fields if not f.primary_key)
    copy = f"INSERT INTO protection_auditpending ({columns}) SELECT {columns} "  # noqa: S608
    attack(copy + "FROM protection_auditpending WHERE id = %s", (original.pk,))
    copied = AuditPending.objects.exclude(pk=original.pk).get()
    assert verify_pending() == [
        f"DUPLICATE pending event id={copied.pk}: a copy of pending event id={original.pk} "
        f"(event {original.uid}); it is not chained again"
    ]
    assert sequence_pending() == 1
    assert AuditEvent.objects.filter(uid=original.uid).count() == 1
    # The copy stays out of the chain, and is still named.
    assert sequence_pending() == 0
    assert f"DUPLICATE pending event id={copied.pk}: a copy of an event chained" in problems()


def test_a_chained_receipt_replayed_into_pending_is_refused(project: Project) -> None:
    with deferred_chaining():
        record_event("message.receive", project_id=project.pk, object_id="m")
    row: dict[str, Any] = dict(AuditPending.objects.values().get())
    sequence_pending()
    values = tuple(rawsql.db_values(AuditPending, PENDING_COLUMNS, [row]))
    names, marks = ", ".join(PENDING_COLUMNS), ", ".join(["%s"] * len(PENDING_COLUMNS))
    attack(f"INSERT INTO protection_auditpending ({names}) VALUES ({marks})", values)  # noqa: S608
    assert sequence_pending() == 0
    assert AuditEvent.objects.filter(uid=row["uid"]).count() == 1
    assert "a copy of an event chained" in problems()


# The witness file ----------------------------------------------------------------------


def test_an_edited_checkpoint_line_fails_its_signature(project: Project, witness_log: Path) -> None:
    views(project, 1)
    witness.write_checkpoint()
    line = json.loads(witness_log.read_text())
    line["heads"] = [[chain, seq - 1, h] for chain, seq, h in line["heads"]]  # "rewound"
    witness_log.write_text(json.dumps(line) + "\n")
    assert "FORGED witness line 1: its signature fails" in problems()


def test_a_witness_cut_short_is_noticed_through_the_databases_mark(
    project: Project, witness_log: Path
) -> None:
    views(project, 1)
    witness.write_checkpoint()
    views(project, 1)
    witness.write_checkpoint()
    first, second = witness_log.read_text().splitlines()
    witness_log.write_text(first + "\n")
    assert "SHORTENED witness" in problems()
    witness_log.write_text(second + "\n")  # the first line gone, the second kept
    assert "GAP in the witness before its line 2" in problems()


def test_a_witness_and_its_mark_cut_back_together_are_not_detectable(
    project: Project, witness_log: Path
) -> None:
    """The limit (ADR 0007): who holds both the database and the witness file can take
    both back to an earlier checkpoint. A syslog witness on another machine stops that."""
    views(project, 1)
    witness.write_checkpoint()
    mark = head_row("witness:file")
    chain = chain_for(project.pk)
    old = head_row(chain)
    kept = witness_log.read_text()
    views(project, 1)
    witness.write_checkpoint()
    attack("DELETE FROM protection_auditevent WHERE chain = %s AND seq > %s", (chain, old[0]))
    for name, row in ((chain, old), ("witness:file", mark)):
        attack(
            "UPDATE protection_auditchainhead SET seq = %s, hash = %s, mac = %s WHERE chain = %s",
            (*row, name),
        )
    witness_log.write_text(kept)
    assert problems() == ""


def test_the_sweep_checkpoints_at_most_once_an_interval(
    project: Project, witness_log: Path, clock: FakeClock, settings: Any
) -> None:
    settings.RESPONSEMAP_AUDIT_CHECKPOINT_SECONDS = 60
    assert witness.maybe_checkpoint() > 0  # a fresh process writes every head once
    views(project, 1)
    assert witness.maybe_checkpoint() == 0  # too soon
    clock.advance(60)
    assert witness.maybe_checkpoint() == 1  # only the head that moved
    clock.advance(60)
    assert witness.maybe_checkpoint() == 0  # nothing moved
    assert len(witness_log.read_text().splitlines()) == 2


def test_witness_settings(settings: Any) -> None:
    cases = {
        "off": None,
        "syslog:": witness.SyslogWitness("/dev/log"),
        "syslog:/run/log.sock": witness.SyslogWitness("/run/log.sock"),
        "syslog:logs.example.org:5514": witness.SyslogWitness(("logs.example.org", 5514)),
        "/srv/witness": witness.FileWitness(Path("/srv/witness")),
    }
    for value, expected in cases.items():
        settings.RESPONSEMAP_AUDIT_WITNESS = value
        assert witness.configured_witness() == expected


# Sealed details ------------------------------------------------------------------------


def stored_bytes() -> bytes:
    """Everything the audit tables hold, as the database stores it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM protection_auditevent")
        rows = cursor.fetchall()
        cursor.execute("SELECT * FROM protection_auditpending")
        rows += cursor.fetchall()
    return repr(rows).encode()


def test_a_reason_is_sealed_and_unreadable_once_its_key_is_destroyed(project: Project) -> None:
    reason = f"{SECRET_WORD} asked to see the caller's number"
    event = record_event(
        "field.reveal",
        project_id=project.pk,
        object_type="feedback",
        object_id=uuid.uuid4(),
        fields=["phone"],
        reason=reason,
    )
    with deferred_chaining():
        record_event("field.reveal", project_id=project.pk, fields=["phone"], reason=reason)
    if connection.vendor == "sqlite":
        attack("PRAGMA wal_checkpoint(TRUNCATE)")
        on_disk = b"".join(sqlite_files(connection.settings_dict["NAME"]))
        assert SECRET_WORD.encode() not in on_disk
    assert SECRET_WORD.encode() not in stored_bytes()
    assert b"phone" not in stored_bytes()
    stored = AuditEvent.objects.get(uid=event.uid)
    assert (stored.reason, stored.fields) == ("", [])
    (opened,) = event_details([stored])
    assert (opened.reason, opened.fields, opened.readable) == (reason, ["phone"], True)

    sequence_pending()
    crypto_shred_project(project.pk)

    shown = event_details(list(AuditEvent.objects.filter(action="field.reveal")))
    assert [d.readable for d in shown] == [False, False]
    assert all(SECRET_WORD not in d.reason and d.fields == [] for d in shown)
    assert verify_chain(chain_for(project.pk)) is None
    assert problems() == ""


def test_a_sealed_detail_moved_to_another_event_is_caught(project: Project) -> None:
    first = record_event("field.reveal", project_id=project.pk, reason="first reason")
    second = record_event("field.reveal", project_id=project.pk, reason="second reason")
    attack(
        "UPDATE protection_auditevent SET sealed = "
        "(SELECT sealed FROM protection_auditevent WHERE seq = %s AND chain = %s) "
        "WHERE seq = %s AND chain = %s",
        (first.seq, first.chain, second.seq, second.chain),
    )
    problem = verify_chain(chain_for(project.pk))
    assert problem is not None
    assert problem.seq == second.seq
    assert "altered" in problem.problem
    moved = AuditEvent.objects.get(uid=second.uid)
    assert event_details([moved])[0].readable is False  # bound to its own event's id


def test_a_workers_upkeep_witnesses_the_heads_without_any_message(
    project: Project, witness_log: Path
) -> None:
    views(project, 1)
    run_upkeep()
    (line,) = witness_log.read_text().splitlines()
    assert [chain_for(project.pk), 3] in [head[:2] for head in json.loads(line)["heads"]]


def test_a_syslog_witness_checked_from_the_lines_exported(project: Project, settings: Any) -> None:
    """The production witness: lines sent to a syslog socket (a local one here), then
    exported to a file and compared with ``verify_audit --witness-file``."""
    directory = Path(tempfile.mkdtemp(prefix="rm-syslog-"))  # a socket path must be short
    address = directory / "log.sock"
    with closing(socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)) as server:
        server.bind(str(address))
        settings.RESPONSEMAP_AUDIT_WITNESS = f"syslog:{address}"
        witness.forget()
        views(project, 2)
        assert witness.write_checkpoint() > 0
        received = server.recv(65536).decode()
    assert received.startswith("<14>responsemap-audit-witness: {")
    exported = directory / "exported.log"
    exported.write_text(f"Nov 30 16:40:00 app1 {received.split('>', 1)[1]}\n")
    out = StringIO()
    call_command("verify_audit", f"--witness-file={exported}", stdout=out)
    assert "1 witness line(s) compared" in out.getvalue()

    exported.write_text("")  # the log server lost it, or someone removed it
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_audit", f"--witness-file={exported}", stderr=err)
    assert "SHORTENED witness" in err.getvalue()
    witness.forget()
