"""What lands on disk: a submitted message, the name in it and the sender's phone number
must not be readable there (only the redacted analysis copy is plain text).

SQLite: the database file and its write-ahead log are searched byte for byte.
PostgreSQL: a ``pg_dump`` of the test database is searched.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django.db import connection

from responsemap.projects.models import Project
from responsemap.testing_db import sqlite_files
from responsemap.triage.actions import NewFeedback, do_create_feedback

MESSAGE = "My name is Jak Pierre and I did not get the food card, call me on 3798 1234"
PHONE = "+50937981234"


def _needles() -> list[bytes]:
    national = PHONE[4:]
    # The original is sealed; the redacted analysis copy keeps neither name nor number.
    return [MESSAGE.encode(), b"Jak Pierre", PHONE.encode(), national.encode(), b"3798 1234"]


@pytest.mark.django_db(transaction=True)
def test_plaintext_is_not_in_the_database(project: Project) -> None:
    do_create_feedback(
        project, NewFeedback(source="sms", content=MESSAGE, phone=PHONE, consent_given=True), None
    )
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(FULL)")
        blobs = sqlite_files(connection.settings_dict["NAME"])
        assert blobs
        assert blobs[0]
    else:
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            pytest.fail("pg_dump is needed to check what PostgreSQL holds")
        s = connection.settings_dict
        dump = subprocess.run(
            [
                pg_dump,
                "--data-only",
                "-h",
                s["HOST"] or "127.0.0.1",
                "-p",
                str(s["PORT"] or 5432),
                "-U",
                s["USER"] or "postgres",
                s["NAME"],
            ],
            check=True,
            capture_output=True,
        ).stdout
        assert b"protection_auditevent" in dump
        blobs = [dump]
    for blob in blobs:
        for needle in _needles():
            assert needle not in blob
