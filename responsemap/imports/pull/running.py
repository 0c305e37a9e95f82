"""A pull: the due sources found by every worker's upkeep, and one source's new
submissions made into records through the file import's mapping and checks.

``pull_due_sources`` runs every few seconds in each worker (``lib.tasks.register_upkeep``):
one indexed query when nothing is due; each due source is claimed by one worker only
(``transitions.claim_due_pull``) and its pull queued. ``pull_submissions`` is idempotent:
one pull of a source at a time (``claim_pull_run``); records are keyed on the
submission's uuid, so a page read twice creates nothing twice; the newest submission
time moves on only once every page was read.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from django.db import transaction
from django_tasks import task

from responsemap.accounts.queries import viewer_for
from responsemap.imports.feedback_rows import FeedbackRowSink
from responsemap.imports.mapping import parse_rows
from responsemap.imports.pull.clients import (
    PARENT_PLACE,
    PARENT_REPEAT,
    FormServer,
    KoboServer,
    OdkServer,
    Page,
    PullError,
)
from responsemap.imports.pull.models import PullSource
from responsemap.imports.pull.queries import may_manage_pulls
from responsemap.imports.pull.repeats import (
    HIDDEN as LINKS,
)
from responsemap.imports.pull.repeats import (
    KEY_COLUMN,
    chosen_table,
    key_column,
    tables_of,
)
from responsemap.imports.pull.transitions import (
    PullResult,
    claim_due_pull,
    claim_pull_run,
    finish_pull,
)
from responsemap.imports.reader import Table
from responsemap.imports.recodes import choice_values
from responsemap.imports.rows import ParsedRow, Problem
from responsemap.imports.saved import NamedMapping
from responsemap.lib import clock
from responsemap.protection.present import open_for_system
from responsemap.protection.system_opens import SystemPurpose
from responsemap.protection.viewer import Viewer

log = logging.getLogger(__name__)
DUE_BATCH = 50
# Rows stored per transaction (each row in its own savepoint).
STORE_BATCH = 200
# A sample of this many submissions tells the mapping screen the form's fields, its
# repeat groups' and the values of its choice lists (for the recoding screen).
SAMPLE_SIZE = 100


def pull_due_sources() -> int:
    """Queue a pull for every active source whose next run has come; how many."""
    now = clock.now()
    due = list(
        PullSource.objects.filter(is_active=True, next_run_at__lte=now)
        .order_by("next_run_at")
        .values_list("pk", "next_run_at")[:DUE_BATCH]
    )
    queued = 0
    for pk, due_at in due:
        if claim_due_pull(pk, due_at, now):
            pull_submissions.enqueue(str(pk))
            queued += 1
    return queued


def server_for(source: PullSource) -> FormServer:
    """The source's server, signed in with its sealed secrets; PullError("no_secrets")
    if they don't open (the project's key is gone)."""
    try:
        raw = open_for_system(source, "secrets", purpose=SystemPurpose.PULL_SUBMISSIONS)
        secrets = json.loads(raw) if raw else {}
    except Exception:
        raise PullError("no_secrets") from None
    config = source.config or {}
    if source.kind == PullSource.Kind.KOBO:
        return KoboServer(
            str(config.get("server_url", "")),
            str(config.get("asset_uid", "")),
            str(secrets.get("token", "")),
        )
    return OdkServer(
        str(config.get("server_url", "")),
        str(config.get("project_id", "")),
        str(config.get("form_id", "")),
        str(secrets.get("email", "")),
        str(secrets.get("password", "")),
    )


def sample_fields(source: PullSource) -> dict[str, Any]:
    """What the form's first submissions show of it (empty if it has none yet):
    ``fields`` (paths in the server's order), ``repeats`` (repeat name → its fields)
    and ``values`` (table → field → the distinct values of fields that look like a
    choice list, never free text: ``recodes.choice_values``); raises PullError."""
    server = server_for(source)
    try:
        page = next(iter(server.pages(None, page_size=SAMPLE_SIZE)), Page([]))
    finally:
        server.close()
    submissions = page.submissions
    repeats: dict[str, dict[str, None]] = {}
    for submission in submissions:
        for name, rows in submission.repeats.items():
            seen = repeats.setdefault(name, {})
            for row in rows:
                seen.update(dict.fromkeys(k for k in row if k not in (PARENT_REPEAT, PARENT_PLACE)))
    values: dict[str, dict[str, list[str]]] = {}
    for table in tables_of(submissions):
        found = {h: _choices(table, i) for i, h in enumerate(table.headers) if h not in LINKS}
        values[table.name] = {h: v for h, v in found.items() if v}
    return {
        "fields": list(dict.fromkeys(k for s in submissions for k in s.fields)),
        "repeats": {name: list(seen) for name, seen in repeats.items()},
        "values": values,
    }


# A choice's name in an XLSForm, or several (a select-multiple answer).
CHOICE_NAMES = re.compile(r"[\w.\-]{1,40}(?: [\w.\-]{1,40})*")


def _choices(table: Table, column: int) -> list[str] | None:
    """A field's values when it is a choice list: few short values, each made of
    choice names, and answers that repeat them — free text (a message, a name: each
    answer its own) is never kept, however short."""
    found = choice_values(table, column)
    answers = sum(1 for _n, cells in table.rows if str(cells[column]).strip())
    if not found or len(found) >= answers:
        return None
    return found if all(CHOICE_NAMES.fullmatch(v) for v in found) else None


@task()
def pull_submissions(source_id: str) -> None:
    source = (
        PullSource.objects.select_related("project", "created_by")
        .filter(pk=source_id, is_active=True)
        .first()
    )
    if source is None or not claim_pull_run(source, clock.now()):
        return  # gone, turned off, or being pulled by another worker
    result = PullResult()
    try:
        pull(source, result)
    except PullError as exc:
        result.outcome = exc.code
    except Exception as exc:  # the run is closed whatever happens; the class only
        log.warning("pull %s stopped (%s)", source.pk, type(exc).__name__)
        result.outcome = "failed"
    finally:
        finish_pull(source, result, clock.now())


def pull(source: PullSource, result: PullResult) -> None:
    """Every new submission of the source into records (counts into ``result``)."""
    actor = viewer_for(source.created_by, source.project_id) if source.created_by else None
    if actor is None or not may_manage_pulls(actor):
        raise PullError("not_allowed")
    columns = {str(k): str(v) for k, v in (source.mapping.get("columns") or {}).items()}
    if "content" not in columns:
        raise PullError("no_mapping")
    sink = FeedbackRowSink(source.project)
    server = server_for(source)
    with_repeats = bool(source.mapping.get("repeats", False))
    try:
        for page in server.pages(source.last_submission_at, repeats=with_repeats):
            store_page(source, page, columns, sink, actor, result)
    finally:
        server.close()


def store_page(
    source: PullSource,
    page: Page,
    columns: dict[str, str],
    sink: FeedbackRowSink,
    actor: Viewer,
    result: PullResult,
) -> None:
    """One page of submissions, read as an export's sheets (``repeats``: joined into
    each submission's row, or one row per repeat row), through the file import's
    mapping, recodes and checks; the key is the submission's uuid, or a repeat row's
    (its submission's uuid, the repeat's name, its place)."""
    named = NamedMapping.from_json(json.dumps(source.mapping or {}))
    named = replace(named, columns={**columns, "key": key_column(named.sheets)})
    first = result.fetched + 1
    table = chosen_table(tables_of(page.submissions, first), named.sheets)
    rows = parse_rows(source.project, table, named.for_headers(table.headers))
    by_uuid = {s.uuid: s.server_id for s in page.submissions}
    uuid_column = next(
        (i for i, h in enumerate(table.headers) if h in ("_parent_key", KEY_COLUMN)), None
    )
    server_ids = {
        number: by_uuid.get(str(cells[uuid_column]), "") if uuid_column is not None else ""
        for number, cells in table.rows
    }
    for s in page.submissions:
        if s.submitted_at is not None and (result.newest is None or s.submitted_at > result.newest):
            result.newest = s.submitted_at
    result.fetched += len(rows)
    for start in range(0, len(rows), STORE_BATCH):
        with transaction.atomic():
            _store_batch(rows[start : start + STORE_BATCH], sink, actor, result, server_ids)


def _store_batch(
    rows: list[ParsedRow],
    sink: FeedbackRowSink,
    actor: Viewer,
    result: PullResult,
    server_ids: dict[int, str],
) -> None:
    for row, (outcome, problems) in zip(rows, sink.store_many(rows, actor), strict=True):
        if outcome == "created":
            result.created += 1
        elif outcome == "skipped":
            result.skipped += 1
        else:
            result.failed += 1
            result.add_errors(_entries(server_ids.get(row.number, ""), problems))


def _entries(server_id: str, problems: Iterable[Problem]) -> list[dict[str, Any]]:
    return [{"submission": server_id, "field": p.field, "reason": p.reason} for p in problems]
