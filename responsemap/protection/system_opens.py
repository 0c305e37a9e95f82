"""Every decryption for a system task is accounted for: why, how many, in the audit log.

``open_for_system()`` (protection.present) takes its purpose from ``SystemPurpose``, a
fixed list, and refuses any other. Each open is counted here, in the process, per
(project, purpose), and written to the project's audit chain as ONE event
``system.open`` per (project, purpose) — the purpose in ``purpose``, the fields opened
(``model.field``) in ``fields``, the count in ``reason`` (``count=N``) — never one event
per open: the worker opens thousands of texts a minute.

When the counts are written:

- in a task (the worker, ``django_tasks``' ``task_started``/``task_finished``): when
  the task ends, chained at once (one head lock per project, once per task);
- anywhere else (a web process authenticating a gateway's webhook, a management
  command): once the oldest count is ``FLUSH_SECONDS`` old or reaches ``FLUSH_COUNT``, at
  the next open or the end of the next request, as *pending* events
  (``audit.deferred_chaining``: no head lock on the hot path; the worker's sweep chains
  them), and at exit. Never inside the caller's transaction: a count written there would
  vanish with a rollback, so it waits until outside one.

What may be lost: the counts of a process killed (SIGKILL) before it wrote them — at
most ``FLUSH_SECONDS`` of a web process's opens, or one task's.
"""

from __future__ import annotations

import atexit
import contextvars
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from django.conf import settings
from django.core.signals import request_finished
from django.db import connection, transaction
from django.db import models as django_models
from django.utils.translation import gettext_lazy as _
from django_tasks import signals

from responsemap.lib import clock
from responsemap.protection.audit import EventSpec, deferred_chaining, record_events

log = logging.getLogger(__name__)

ACTION = "system.open"
# Outside a task, a (project, purpose)'s opens are written once they are this old …
FLUSH_SECONDS = 60.0
# … or this many, whichever comes first.
FLUSH_COUNT = 10_000


class SystemPurpose(django_models.TextChoices):
    """Why the system (not a person) opens a sealed value. The list is closed: a new use
    is a new member here, in docs/keys.md, and in review."""

    AUTHENTICATE_WEBHOOK = "authenticate_webhook", _("Check a gateway's credentials")
    ADDRESS_OUTBOUND = "address_outbound", _("Address a message to a contact")
    SEND_OUTBOUND = "send_outbound", _("Send a message through its gateway")
    CREATE_FEEDBACK = "create_feedback", _("Make a feedback record from a message")
    REDACT = "redact", _("Remove personal details from the copy people read")
    INDEX_SEARCH = "index_search", _("Rebuild the word search index from the copy people read")
    READ_IMPORT = "read_import", _("Read an uploaded import file")
    PULL_SUBMISSIONS = "pull_submissions", _("Sign in to a form server to fetch submissions")
    SHOW_CHANNEL_SECRETS = "show_channel_secrets", _("Show an operator a channel's secrets")
    CHANGE_CHANNEL_SECRETS = "change_channel_secrets", _("Replace a channel's shared secret")
    SHOW_PUBLIC_REPLY = "show_public_reply", _("Show a reply marked public on the status page")
    SUGGEST_CODES = "suggest_codes", _("Learn and load a project's own suggestion model")
    # Tests and benchmarks comparing what was stored with what was sent; refused in
    # production.
    TEST = "test", _("Check what was stored (tests and benchmarks)")


def check_purpose(purpose: object) -> SystemPurpose:
    """The purpose as a ``SystemPurpose``; ValueError for anything not on the list."""
    try:
        checked = SystemPurpose(str(purpose)) if isinstance(purpose, str) else None
    except ValueError:
        checked = None
    if checked is None:
        raise ValueError(f"not a system purpose: {purpose!r} (see SystemPurpose)")
    if checked is SystemPurpose.TEST and settings.PRODUCTION:
        raise ValueError("the test purpose is refused in production")
    return checked


@dataclass
class _Tally:
    count: int = 0
    fields: set[str] = field(default_factory=set)
    since: float = 0.0


Key: TypeAlias = tuple[object, str]  # (project id, purpose)

_lock = threading.Lock()
_tallies: dict[Key, _Tally] = {}
# How many tasks (or ``accounted_batch`` blocks) are running in this context: their
# opens are written when the outermost one ends.
_depth: contextvars.ContextVar[int] = contextvars.ContextVar("system_open_depth", default=0)


def count_open(project_id: object, purpose: SystemPurpose, field_name: str) -> None:
    """Count one open (called by ``open_for_system``); outside a task and a transaction,
    write the counts that are due."""
    now = clock.monotonic()
    with _lock:
        tally = _tallies.get((project_id, purpose.value))
        if tally is None:
            tally = _tallies[(project_id, purpose.value)] = _Tally(since=now)
        tally.count += 1
        tally.fields.add(field_name)
        due = _due(tally, now)
    if due and not _depth.get() and not connection.in_atomic_block:
        flush(pending=True, only_due=True)


def forget_project(project_id: object) -> None:
    """Drop this process's unwritten counts of a project's opens (it was destroyed:
    its audit chain is gone; ``projects.destruction.caches``)."""
    with _lock:
        for key in [k for k in _tallies if str(k[0]) == str(project_id)]:
            del _tallies[key]


def _due(tally: _Tally, now: float) -> bool:
    return tally.count >= FLUSH_COUNT or now - tally.since >= FLUSH_SECONDS


def flush(*, pending: bool = False, only_due: bool = False) -> int:
    """Write the counts (all, or only those due) as ``system.open`` events, one
    transaction per project: chained now, or pending (``pending=True``: web processes).
    A project whose write fails keeps its counts for the next flush. Returns how many
    events were written."""
    now = clock.monotonic()
    with _lock:
        taken = {k: t for k, t in _tallies.items() if not only_due or _due(t, now)}
        for key in taken:
            del _tallies[key]
    written = 0
    for project_id in sorted({key[0] for key in taken}, key=str):
        mine = {k: t for k, t in taken.items() if k[0] == project_id}
        specs = [
            EventSpec(
                ACTION,
                project_id=project_id,  # type: ignore[arg-type]
                fields=sorted(tally.fields),
                reason=f"count={tally.count}",
                purpose=purpose,
            )
            for (_, purpose), tally in sorted(mine.items(), key=lambda item: item[0][1])
        ]
        try:
            with transaction.atomic():
                if pending:
                    with deferred_chaining():
                        record_events(specs)
                else:
                    record_events(specs)
        except Exception:
            log.exception("could not write the system-open counts of project %s", project_id)
            _give_back(mine)
            continue
        written += len(specs)
    return written


def _give_back(taken: dict[Key, _Tally]) -> None:
    with _lock:
        for key, tally in taken.items():
            current = _tallies.setdefault(key, _Tally(since=tally.since))
            current.count += tally.count
            current.fields |= tally.fields
            current.since = min(current.since, tally.since)


def counted() -> dict[Key, int]:
    """The counts not written yet: (project id, purpose) → opens."""
    with _lock:
        return {key: tally.count for key, tally in _tallies.items()}


def forget() -> None:
    """Drop the counts not written yet (tests: each starts from none)."""
    with _lock:
        _tallies.clear()


@contextmanager
def accounted_batch() -> Iterator[None]:
    """The opens inside are written, chained, when the outermost batch ends."""
    task_started()
    try:
        yield
    finally:
        task_finished()


def task_started(**kwargs: Any) -> None:
    _depth.set(_depth.get() + 1)


def task_finished(**kwargs: Any) -> None:
    depth = max(_depth.get() - 1, 0)
    _depth.set(depth)
    if depth == 0:
        flush()


def after_request(**kwargs: Any) -> None:
    """After each response (``request_finished``): write the counts that are due, so a
    web process that opens nothing more still writes within a minute or so of its next
    request. Never fails the request."""
    if not _tallies or _depth.get() or connection.in_atomic_block:
        return
    try:
        flush(pending=True, only_due=True)
    except Exception:
        log.exception("could not write the system-open counts after a request")


def at_exit() -> None:
    """Outside the test suite, a process's last counts are written as it exits."""
    flush(pending=True)


def connect() -> None:
    """Called once, by the app's ``ready()``: django_tasks signals every task's start and
    end, in the worker (``db_worker``) and in the immediate backend alike."""
    signals.task_started.connect(task_started, dispatch_uid="responsemap.system_opens")
    signals.task_finished.connect(task_finished, dispatch_uid="responsemap.system_opens")
    request_finished.connect(after_request, dispatch_uid="responsemap.system_opens")
    if settings.ENVIRONMENT != "test":
        atexit.register(at_exit)
