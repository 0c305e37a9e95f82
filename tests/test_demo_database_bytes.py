"""A freshly seeded demo database, byte for byte (issue 9, point 2; ADR 0008).

``seed_demo`` runs and the worker's tasks finish (the tests' immediate backend runs each
redaction as its batch commits); then the database file and its write-ahead log
(PostgreSQL: a ``pg_dump``) are searched for every word of four letters or more of the
demo's messages (as whole words, outside the random bytes of sealed values and tokens)
— the originals and their redacted copies, opened through the
application. None may be there, except words that are also coded values kept in clear
on purpose. That allow-list is computed from the data, not picked by hand: a word is
allowed when it is part of an area's name or P-code, a coded column of the records
(type, sector, topic, status, channel, …), an audit event's action, object type or
purpose code, the projects' and organisation's names and purposes, or the database's
own schema (table, column and index definitions).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from responsemap.geo.models import AdminArea
from responsemap.projects.models import Organisation, Project
from responsemap.protection.fields import EncryptedTextField
from responsemap.protection.models import AuditEvent
from responsemap.protection.present import open_for_system
from responsemap.testing_db import pg_dump, sqlite_files
from responsemap.triage.models import Feedback, FeedbackToken

RECORDS = 600
WORD = re.compile(r"[^\W\d_]{4,}")
CODED = [
    "type_code",
    "sector",
    "topic",
    "urgency",
    "status",
    "source",
    "language",
    "gender",
    "age_band",
    "disability",
    "displacement",
    "sensitivity",
]


def words(texts: Iterable[str]) -> set[str]:
    """The words as they are written ("Water", "water"), not case folded: four given
    letters in one case turn up in random bytes sixteen times less often."""
    return {w for t in texts for w in WORD.findall(t.replace("_", " "))}


def whole_words(words: Iterable[str]) -> re.Pattern[bytes]:
    """Any of ``words`` with no ASCII letter or digit on either side: a leaked text has
    its words apart, while a word glued to a coded value or a hex digest is chance
    ("hotline" followed by the digest "ed42…" holds "need")."""
    alternatives = b"|".join(re.escape(w.encode()) for w in sorted(words, key=len, reverse=True))
    return re.compile(rb"(?<![A-Za-z0-9])(" + alternatives + rb")(?![A-Za-z0-9])")


def database_bytes() -> list[bytes]:
    """SQLite: the database file and its write-ahead log as they are; PostgreSQL: a dump."""
    if connection.vendor == "sqlite":
        return sqlite_files(connection.settings_dict["NAME"])
    return [pg_dump()]


def schema_text() -> str:
    """The database's own definitions: tables, columns, indexes, constraints."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL")
            return "\n".join(row[0] for row in cursor.fetchall())
    s = connection.settings_dict
    command = ["pg_dump", "--schema-only", "-h", s["HOST"] or "127.0.0.1"]
    command += ["-p", str(s["PORT"] or 5432), "-U", s["USER"] or "postgres", s["NAME"]]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def kept_in_clear() -> str:
    """The coded values kept in clear on purpose, from the data itself: a word found in
    the database that is also part of one of them ("truck" of the topic
    "water_trucking", "what" of the channel "whatsapp") is not a leak."""
    texts: list[str] = []
    for name, pcode in AdminArea.objects.values_list("name", "pcode"):
        texts += [name, pcode]
    for column in [*CODED, "reference"]:  # the codes, and the references (ids)
        texts += [str(v) for v in Feedback.objects.values_list(column, flat=True).distinct()]
    for column in ("action", "object_type", "purpose"):
        texts += [str(v) for v in AuditEvent.objects.values_list(column, flat=True).distinct()]
    for name, purpose in Project.objects.values_list("name", "purpose"):
        texts += [name, purpose]
    texts += list(Organisation.objects.values_list("name", flat=True))
    return "\n".join([*texts, schema_text()]).casefold()


def random_bytes() -> bytes:
    """Every value that is random bytes on disk: the sealed values (AES-GCM) and the
    search tokens (8-byte integers). Four given letters turn up in a few megabytes of
    them now and then; a match inside one of them is chance, not a leak."""
    values: list[bytes] = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                rows = model._default_manager.exclude(**{field.attname: None})
                values += [bytes(v) for v in rows.values_list(field.attname, flat=True)]
    tokens = FeedbackToken.objects.values_list("token", flat=True)
    values += [t.to_bytes(8, "big", signed=True) for t in tokens]
    return b"\n--\n".join(values)


@pytest.mark.django_db(transaction=True)
def test_no_word_of_the_demo_messages_is_in_the_database() -> None:
    call_command("seed_demo", "--records", str(RECORDS), "--no-accounts", stdout=StringIO())
    records = list(Feedback.objects.all())
    assert len(records) > RECORDS
    assert all(r.redacted_at is not None for r in records)  # the worker finished
    texts = [open_for_system(r, "content", purpose="test") or "" for r in records]
    texts += [open_for_system(r, "redacted_content", purpose="test") or "" for r in records]
    # A word of hex letters only ("cafe", "Face") is in any hex id or digest by chance.
    needles = {w for w in words(texts) if not re.fullmatch(r"[a-fA-F]+", w)}
    clear = kept_in_clear()
    needles = {w for w in needles if w.casefold() not in clear}
    assert len(needles) > 50  # not vacuous

    noise = random_bytes()
    pattern = whole_words(needles)
    found = {}
    for blob in database_bytes():
        for match in pattern.finditer(blob):
            around = blob[match.start() - 1 : match.end() + 1]
            if around not in noise:  # inside a ciphertext or a token: chance
                found[match.group(1)] = blob[max(0, match.start() - 40) : match.end() + 40]
    assert found == {}
