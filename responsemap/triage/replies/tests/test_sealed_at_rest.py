"""What a reply, a call-back note and the number revealed leave on disk: none of them
readable in the database file (SQLite, with its write-ahead log) or a dump (PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection

from responsemap.intake.channels.models import Channel
from responsemap.protection.viewer import Viewer
from responsemap.testing_db import pg_dump, sqlite_files
from responsemap.triage.actions import do_assign
from responsemap.triage.models import Feedback
from responsemap.triage.replies.actions import (
    do_record_callback_outcome,
    do_reply_to_feedback,
    do_reveal_callback_number,
)

REPLY = "ZQXREPLY Jak Pierre, the truck comes to block 4 on Thursday"
NOTE = "ZQXCALLNOTE spoke with Jak Pierre about the pump"
REASON = "ZQXREASON calling back about the pump"


@pytest.mark.django_db(transaction=True)
def test_replies_notes_and_reasons_are_sealed_at_rest(
    as_viewer: Callable[[str], Viewer],
    sms_channel: Channel,
    hotline_call: Callable[..., Feedback],
) -> None:
    officer = as_viewer("officer")
    record = hotline_call()
    do_assign(officer, record.pk, officer.user_id)
    do_reply_to_feedback(officer, record.pk, REPLY)
    do_reveal_callback_number(officer, record.pk, REASON)
    do_record_callback_outcome(officer, record.pk, "reached", NOTE)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(FULL)")
        blobs = sqlite_files(connection.settings_dict["NAME"])
    else:
        blobs = [pg_dump()]
    assert blobs
    assert blobs[0]
    for blob in blobs:
        for needle in (b"ZQXREPLY", b"ZQXCALLNOTE", b"ZQXREASON", b"Jak Pierre", b"37123499"):
            assert needle not in blob
