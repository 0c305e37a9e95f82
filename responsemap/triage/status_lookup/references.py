"""A record's reference code is unique in its project, and made so where the record is
born: ``do_create_feedback_batch`` inserts its records with ``insert_with_fresh_references``.

A reference is 8 characters from a 26-letter alphabet (``models.new_reference``): N = 26^8
≈ 2.1·10^11 codes. With R records in a project, a new code meets a taken one with odds
R/N (1 in 21,000 at R = 10^7), and filling a project to R records meets about R²/2N
taken codes: 2.4 at 10^6, 240 at 10^7. A collision must never fail a batch (an SMS
sweep, an import) nor lose a hotline call: the insert skips a row whose (project,
reference) is taken (``ON CONFLICT (project_id, reference) DO NOTHING RETURNING id``,
both on SQLite ≥ 3.35 and PostgreSQL), and the rows it skipped get a fresh code and are
inserted again. In the common case of no collision, that is the same one statement per
100 rows as before: the ``RETURNING`` rides on it.

Other unique keys are not reference collisions and are not retried here: a message
already made into a record (``inbound_message``) or an import row stored before
(``provider_message_id``) is a duplicate, and still raises ``IntegrityError`` (callers
leave those out first; a duplicate arriving in a race is refused, never renamed).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.db import connection

from responsemap.lib import rawsql
from responsemap.triage import models as triage_models
from responsemap.triage.models import Feedback

log = logging.getLogger(__name__)

# Tries per batch before giving up: with 10^7 codes taken of 2·10^11, eight collisions
# in a row for one record have odds of about 10^-35.
MAX_TRIES = 8


class NoFreeReference(Exception):
    """Every try met a taken reference: the code space is nearly full (never expected)."""


def fresh_reference() -> str:
    """A new reference (looked up on the module each time, so tests can force one)."""
    return triage_models.new_reference()


def insert_with_fresh_references(records: Sequence[Feedback]) -> None:
    """Insert new records (``lib.rawsql``, as ``insert_objects`` would); a record whose
    reference is taken in its project (by a stored record, or by another of this batch)
    gets a fresh one, set on the instance, and is inserted again."""
    if not records:
        return
    rows = {record.pk: rawsql.object_row(record) for record in records}
    pk_field = Feedback._meta.pk
    assert pk_field is not None
    pending = list(records)
    for attempt in range(1, MAX_TRIES + 1):
        returned = rawsql.insert(
            Feedback,
            [rows[record.pk] for record in pending],
            conflict=("project", "reference"),
            returning=(pk_field.attname,),
        )
        # As the database gives it back (a UUID is text on SQLite): read it as the field.
        written = {pk_field.to_python(row[0]) for row in returned}
        pending = [record for record in pending if record.pk not in written]
        if not pending:
            break
        if attempt == MAX_TRIES:
            raise NoFreeReference
        log.info("reference collision: %d record(s) get a fresh code", len(pending))
        for record in pending:
            record.reference = fresh_reference()
            rows[record.pk]["reference"] = record.reference
    for record in records:
        record._state.adding = False
        record._state.db = connection.alias
