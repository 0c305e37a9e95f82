"""The old backup after a project's key is destroyed (issue 9, point 2; ADR 0008).

Two projects receive messages through the real webhook and the worker's sweep
(redaction, the search tokens), a hotline record, an import, and a reveal with a
reason. A backup is taken (SQLite: a copy of the database file after a checkpoint;
PostgreSQL: ``pg_dump`` to a file); one project's key is destroyed; the backup is
restored (SQLite: the copy put back in place of the database) and searched byte for
byte (PostgreSQL: the dump file itself, in text and in the hex its bytea columns use).

No word of the shredded project's texts — the messages, their redacted copies, the
audit reasons, the import's file name and header row — is in the backup, and the
application reports each of its values as destroyed; the other project opens and
searches as before.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from responsemap.accounts.models import User
from responsemap.accounts.queries import viewer_for
from responsemap.imports.actions import do_create_import_job
from responsemap.imports.models import ImportJob
from responsemap.intake.channels.actions import do_create_channel
from responsemap.intake.channels.webhook.adapter import SIGNATURE_HEADER, sign
from responsemap.intake.messages.models import InboundMessage
from responsemap.intake.messages.sweep import sweep_received
from responsemap.projects.models import Project
from responsemap.protection.audit import event_details
from responsemap.protection.keyring import DecryptionError, crypto_shred_project
from responsemap.protection.keystore import KeyUnavailable
from responsemap.protection.models import AuditEvent
from responsemap.protection.present import open_for_system, present
from responsemap.protection.tokens import search_tokens
from responsemap.testing import PASSWORD
from responsemap.testing_db import file_bytes, pg_dump
from responsemap.triage.actions import NewFeedback, do_create_feedback
from responsemap.triage.models import Feedback

SECRET = "relay-shared-secret"
# Invented words, none a word the schema or the coded data use. Words of hex digits
# only are left out of the search (any id or digest may hold them by chance); the
# phone numbers are searched whole instead.
SHREDDED_MESSAGES = [
    "Mwen rele Jak Pierre, kat manje Brivantel pa rive nan Quorimba, rele 3798 1234",
    "Dlo Sulvexa a sal anpil toupre lekol Tarnaquil la",
]
SHREDDED_HOTLINE = "Moun Zephyrion yo pa resevwa Kolvimar depi twa semen"
SHREDDED_REASON = "Verifying Grommelin complaint about Harvunkel"
SHREDDED_FILE = "interviews Ostrevin camp.csv"
SHREDDED_HEADERS = ["Nimbrovel", "message"]
SHREDDED_ROW = "Plimsaviq wrote this"
HEX_ONLY = re.compile(r"[0-9a-f]+")
KEPT_MESSAGE = "Latrine yo kraze nan blok 7, pa gen dlo"


def post_message(client: Client, channel_id: object, message_id: str, text: str) -> None:
    body = json.dumps({"id": message_id, "from": "+50937001122", "text": text}).encode()
    response = client.post(
        f"/channels/{channel_id}/receive",
        data=body,
        content_type="application/json",
        headers={SIGNATURE_HEADER: sign(SECRET, body)},
    )
    assert response.status_code == 200, response.content


def words_of(texts: Iterable[str]) -> set[str]:
    """Every word of four letters or more (numbers too): what a byte search looks for.
    Redaction's placeholders ([NAME], [PHONE]) are not the message's words."""
    texts = [re.sub(r"\[[A-Z]+\]", " ", t) for t in texts]
    found = {w.casefold() for t in texts for w in re.findall(r"\w{4,}", t)}
    # A word of hex digits only ("3798", "face") is in any hex id or digest by chance.
    return {w for w in found if not HEX_ONLY.fullmatch(w)}


def backup() -> bytes:
    """The database as a backup holds it. SQLite: the file is copied aside after a
    checkpoint and, after the shred, put back in place of the database (the restore);
    the bytes are the restored file's. PostgreSQL: the bytes of a ``pg_dump``."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return file_bytes(Path(connection.settings_dict["NAME"]))
    return pg_dump()


def restore(saved: bytes, tmp_path: Path) -> bytes:
    """SQLite: the saved copy replaces the database file (connections closed first, the
    WAL and shared-memory files removed). PostgreSQL: the dump is what is searched."""
    if connection.vendor != "sqlite":
        return saved
    copy = tmp_path / "backup.sqlite3"
    copy.write_bytes(saved)
    connection.close()
    live = Path(connection.settings_dict["NAME"])
    for extra in live.parent.glob(live.name + "-*"):
        extra.unlink()
    shutil.copyfile(copy, live)
    return file_bytes(live)


def found_in(blob: bytes, words: set[str]) -> list[str]:
    lowered = blob.lower()
    return sorted(w for w in words if w.encode() in lowered or w.encode().hex().encode() in lowered)


@pytest.mark.django_db(transaction=True)
def test_an_old_backup_tells_nothing_once_the_key_is_destroyed(
    project: Project,
    other_project: Project,
    personas: dict[str, User],
    client_as: Callable[[str], Client],
    tmp_path: Path,
) -> None:
    # --- Two projects at work ----------------------------------------------------
    channels = {
        p.pk: do_create_channel(
            project_id=p.pk, kind="webhook", name="relay", secrets={"secret": SECRET}
        )
        for p in (project, other_project)
    }
    gateway = Client()
    for n, text in enumerate(SHREDDED_MESSAGES):
        post_message(gateway, channels[project.pk].pk, f"s{n}", text)
    post_message(gateway, channels[other_project.pk].pk, "k0", KEPT_MESSAGE)
    sweep_received.call()  # the worker: records, redacted copies, search tokens
    hotline = do_create_feedback(
        project, NewFeedback(source="hotline", content=SHREDDED_HOTLINE), None
    )  # redacted by its task after commit (the immediate backend runs it)
    officer = viewer_for(personas["officer"], project.pk)
    assert officer is not None
    do_create_import_job(
        project=project,
        file_name=SHREDDED_FILE,
        data=(",".join(SHREDDED_HEADERS) + f"\nx,{SHREDDED_ROW}\n").encode(),
        actor=officer,
    )
    record = Feedback.objects.get(inbound_message__provider_message_id="s0")
    revealed = client_as("officer").post(
        reverse("triage:reveal", args=[project.slug, record.pk]),
        {"field": "content", "reason": SHREDDED_REASON, "password": PASSWORD},
    )
    assert "Quorimba" in revealed.content.decode()  # the reveal worked, reason logged

    shredded = Feedback.objects.filter(project=project)
    assert shredded.count() == 3
    assert all(f.redacted_content is not None for f in Feedback.objects.all())
    redacted = [open_for_system(f, "redacted_content", purpose="test") or "" for f in shredded]
    assert "Quorimba" in " ".join(redacted)  # a redacted copy keeps most words
    needles = words_of(
        [
            *SHREDDED_MESSAGES,
            SHREDDED_HOTLINE,
            *redacted,
            SHREDDED_REASON,
            SHREDDED_FILE,
            *SHREDDED_HEADERS,
        ]
    )
    # Also words of the schema and coded data ("rele" is in analytics_release).
    needles -= {"message", "camp", "rele"}
    assert {"brivantel", "pierre", "grommelin", "ostrevin", "nimbrovel"} <= needles
    needles |= {"3798 1234", "+50937981234", "+50937001122"}  # the numbers, whole

    # --- The backup, the shred, the restore --------------------------------------
    saved = backup()
    crypto_shred_project(project.pk)
    restored = restore(saved, tmp_path)

    # --- No word of the shredded project in the restored bytes --------------------
    assert found_in(restored, needles) == []
    assert found_in(restored, {"vortumbel"}) == []  # the other project's is sealed too

    # --- The application can't open any of it, and says why -----------------------
    record = Feedback.objects.get(pk=record.pk)
    shown = present(record, officer, "test", reveal=["content"], reason="after the shred")
    for name in ("content", "redacted_content"):
        assert shown[name].masked
        assert "destroyed" in shown[name].error
    for message in InboundMessage.objects.filter(channel__project=project):
        with pytest.raises(DecryptionError, match="destroyed"):
            open_for_system(message, "text", purpose="test")
    job = present(ImportJob.objects.get(project=project), officer, "test")
    assert job["file_name"].masked
    assert "destroyed" in job["file_name"].error
    reveals = AuditEvent.objects.filter(project_id=project.pk, action="field.reveal")
    assert reveals.exists()
    assert not any(d.readable for d in event_details(list(reveals)))
    with pytest.raises(KeyUnavailable):
        search_tokens(project.pk, "Quorimba")
    assert Feedback.objects.filter(pk=hotline.pk).exists()  # the rows stay: closure purges

    # --- The other project works as before ---------------------------------------
    outsider = client_as("outsider")  # an officer of the other project
    page = outsider.get(
        reverse("triage:inbox", args=[other_project.slug]), {"words": "latrine kraze"}
    )
    assert [item["redacted_content"].value for item in page.context["items"]] == [KEPT_MESSAGE]
    kept = Feedback.objects.get(project=other_project)
    viewer = viewer_for(personas["outsider"], other_project.pk)
    assert viewer is not None
    opened = present(kept, viewer, "test", reveal=["content"], reason="after the shred")
    assert opened["content"].value == KEPT_MESSAGE
