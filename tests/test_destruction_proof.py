"""Destroyed for good, backups included (issue 13, point 3): a dump taken before the
destruction, restored after it, opens nothing of the destroyed project, while the other
project in the same dump opens whole.

Two projects receive messages through the real webhook and the worker's sweep (records,
redacted copies, search tokens, contacts with a phone number's blind index), a hotline
record, an import and a reveal with a reason. A dump is taken (SQLite: a copy of the
database file; PostgreSQL: ``pg_dump``), one project is destroyed (``do_destroy_project``:
key, rows, chain, files), and the dump is restored beside the live database (SQLite: the
copy; PostgreSQL: ``psql`` into a scratch database) and read through a second
connection. In it, every sealed value of every table of the destroyed project fails to
open ("destroyed"), its blind indexes and search tokens can't be computed any more, its
audit details read as a mask; every sealed value of the other project opens, and a word
search finds its record.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connection, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client
from django.urls import reverse

from responsemap.accounts.models import User
from responsemap.accounts.queries import viewer_for
from responsemap.imports.actions import do_create_import_job
from responsemap.intake.channels.actions import do_create_channel
from responsemap.intake.messages.sweep import sweep_received
from responsemap.projects.destruction.actions import Approval, do_destroy_project
from responsemap.projects.destruction.purge import project_tables
from responsemap.projects.lifecycle.actions import do_close_project
from responsemap.projects.models import Project
from responsemap.protection.audit import event_details
from responsemap.protection.fields import EncryptedTextField
from responsemap.protection.keyring import DecryptionError, blind_index
from responsemap.protection.keystore import KeyUnavailable
from responsemap.protection.models import AuditEvent
from responsemap.protection.present import open_for_system
from responsemap.protection.tokens import search_forms, search_tokens
from responsemap.testing import PASSWORD
from responsemap.testing_db import file_bytes, pg_dump
from responsemap.triage.actions import NewFeedback, do_create_feedback
from responsemap.triage.models import Feedback, FeedbackToken
from tests.test_backup_after_shred import SECRET, post_message

RESTORED = "restored"
DOOMED = ["Manje Brivantel pa rive nan Quorimba, rele 3798 1234", "Dlo Sulvexa a sal anpil"]
KEPT = "Latrine Vortumbel kraze nan blok Yarrowgane"


def sealed_fields(model: type[models.Model]) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]


@pytest.fixture
def restored_alias(tmp_path: Path) -> Iterator[Callable[[bytes], None]]:
    """``restore(dump)``: the dump, restored apart from the live database, reachable as
    the connection ``restored``."""
    scratch = f"restored_{uuid.uuid4().hex[:8]}"
    made: list[str] = []

    def restore(dump: bytes) -> None:
        settings = dict(connections.databases["default"])
        if connection.vendor == "sqlite":
            copy = tmp_path / "restored.sqlite3"
            copy.write_bytes(dump)
            settings["NAME"] = str(copy)
        else:
            s = connection.settings_dict
            where = ["-h", s["HOST"] or "127.0.0.1", "-p", str(s["PORT"] or 5432)]
            where += ["-U", s["USER"] or "postgres"]
            createdb, psql = shutil.which("createdb"), shutil.which("psql")
            assert createdb, "postgresql-client is needed"
            assert psql, "postgresql-client is needed"
            subprocess.run([createdb, *where, scratch], check=True)  # noqa: S603
            made.append(scratch)
            subprocess.run(  # noqa: S603
                [psql, *where, "-q", "-v", "ON_ERROR_STOP=1", "-d", scratch],
                input=dump,
                check=True,
                capture_output=True,
            )
            settings["NAME"] = scratch
        connections.databases[RESTORED] = settings
        opened.append(connections[RESTORED])
        # Known to the handler (``using(RESTORED)``) but not in its settings: the test
        # case's guard lets such a connection open ("dynamically created").
        del connections.databases[RESTORED]

    opened: list[BaseDatabaseWrapper] = []
    yield restore
    for wrapper in opened:
        wrapper.close()
        del connections[RESTORED]
    for name in made:
        s = connection.settings_dict
        dropdb = shutil.which("dropdb")
        assert dropdb
        subprocess.run(  # noqa: S603
            [dropdb, "-h", s["HOST"] or "127.0.0.1", "-U", s["USER"] or "postgres", name],
            check=False,
        )


def dump() -> bytes:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return file_bytes(Path(connection.settings_dict["NAME"]))
    return pg_dump()


def open_all(project_id: object) -> tuple[int, list[str]]:
    """Every sealed value of the project in the restored copy: (how many, the errors)."""
    seen, errors = 0, []
    for model, field in project_tables():
        names = sealed_fields(model)
        if not names:
            continue
        for row in model._base_manager.using(RESTORED).filter(**{field: project_id}):
            for name in names:
                if getattr(row, name) is None:
                    continue
                seen += 1
                try:
                    open_for_system(row, name, purpose="test")
                except DecryptionError as exc:
                    errors.append(str(exc))
    return seen, errors


@pytest.mark.django_db(transaction=True)
def test_a_dump_taken_before_destruction_opens_nothing_of_it_after(
    project: Project,
    other_project: Project,
    personas: dict[str, User],
    client_as: Callable[[str], Client],
    restored_alias: Callable[[bytes], None],
) -> None:
    channels = {
        p.pk: do_create_channel(
            project_id=p.pk, kind="webhook", name="relay", secrets={"secret": SECRET}
        )
        for p in (project, other_project)
    }
    gateway = Client()
    for n, text in enumerate(DOOMED):
        post_message(gateway, channels[project.pk].pk, f"d{n}", text)
    post_message(gateway, channels[other_project.pk].pk, "k0", KEPT)
    sweep_received.call()
    do_create_feedback(project, NewFeedback(source="hotline", content="Moun Zephyrion"), None)
    officer = viewer_for(personas["officer"], project.pk)
    assert officer is not None
    do_create_import_job(
        project=project, file_name="Ostrevin.csv", data=b"Nimbrovel,message\nx,y\n", actor=officer
    )
    record = Feedback.objects.get(inbound_message__provider_message_id="d0")
    revealed = client_as("officer").post(
        reverse("triage:reveal", args=[project.slug, record.pk]),
        {"field": "content", "reason": "Checking Grommelin", "password": PASSWORD},
    )
    assert "Brivantel" in revealed.content.decode()
    assert do_close_project(project, actor=None, approver="Data controller")

    saved = dump()
    do_destroy_project(project, approval=Approval.OPERATOR, approved_by="Ops")
    assert not Feedback.objects.filter(project=project).exists()
    restored_alias(saved)

    # --- The destroyed project, in the restored dump: all there, none of it opens ---
    in_dump = Feedback.objects.using(RESTORED).filter(project_id=project.pk)
    assert in_dump.count() == 3
    seen, errors = open_all(project.pk)
    assert seen >= 10  # texts, redacted copies, contacts, the import, the channel, audit
    assert len(errors) == seen
    assert all("destroyed" in e for e in errors)
    tokens = FeedbackToken.objects.using(RESTORED).filter(project_id=project.pk)
    assert tokens.exists()
    with pytest.raises(KeyUnavailable):
        search_tokens(project.pk, "Brivantel")  # a search can't be made: tokens are noise
    with pytest.raises(KeyUnavailable):
        blind_index(project.pk, "phone", "+50937001122")  # nor a phone number's lookup
    events = list(AuditEvent.objects.using(RESTORED).filter(project_id=project.pk))
    sealed_events = [e for e in events if e.sealed is not None]
    assert sealed_events
    assert not any(d.readable for d in event_details(sealed_events))

    # --- The other project, in the same dump: everything opens, search works ---
    seen, errors = open_all(other_project.pk)
    assert seen >= 4
    assert errors == []
    kept = Feedback.objects.using(RESTORED).get(project_id=other_project.pk)
    assert open_for_system(kept, "content", purpose="test") == KEPT
    (wanted,) = search_forms(other_project.pk, "latrine")
    found = FeedbackToken.objects.using(RESTORED).filter(
        project_id=other_project.pk, token__in=wanted
    )
    assert set(found.values_list("feedback_id", flat=True)) == {kept.pk}
