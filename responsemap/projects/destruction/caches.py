"""Forgetting what every process keeps in memory about a destroyed project.

Web and worker processes keep things about a project between requests: a channel's
secrets and settings (``intake.channels.queries``), its redaction policy and area names
(``triage.redaction``), a suggestions model trained on its records
(``triage.suggestions.loading``), counts of system opens waiting to be written
(``protection.system_opens``), its key (``protection.keyring``, which checks the key's
tombstone itself) and word stems of recent texts (``protection.tokens``).

The process that destroys a project forgets them at once (``forget_project_caches``).
Every other process learns of it as it learns of a destroyed key (the keyring checks
the key's tombstone with a ``stat()``): the destruction appends the project's id to a
list in the var directory (``note_destroyed``, with the key's destruction), and
``forget_destroyed_projects`` looks at that file's size at most once per
``RECHECK_SECONDS`` (one ``stat()``, no query, so no request's query count changes),
reads only what was appended, and forgets every cache of each project on it. It runs
in each worker's upkeep and before every web request
(``ForgetDestroyedProjectsMiddleware``, on the gateways' lean path too), so a process
drops a destroyed project's secrets within ``RECHECK_SECONDS`` of its next request or
upkeep round. The var directory is shared by the processes of one installation (the
keys and the projects' files are there too).

Each app registers its own ``forget_project(project_id)`` with ``on_destruction`` in its
``AppConfig.ready`` (intake: channels; triage: redaction policy, suggestions model), so
this module, left of them, imports none of them.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from responsemap.lib import clock
from responsemap.protection import system_opens
from responsemap.protection.keyring import get_keyring
from responsemap.protection.tokens import forms

log = logging.getLogger(__name__)
RECHECK_SECONDS = 1.0
_hooks: list[Callable[[Any], object]] = [system_opens.forget_project]


def on_destruction(hook: Callable[[Any], object]) -> None:
    """Register ``hook(project_id)``: forget what this process caches about a project."""
    if hook not in _hooks:
        _hooks.append(hook)


def forget_project_caches(project_id: object) -> None:
    """Forget everything this process keeps about one project."""
    get_keyring().forget(project_id)
    forms.cache_clear()  # words of recent texts, as search stems
    for hook in list(_hooks):
        hook(project_id)


def destroyed_list() -> Path:
    """The list of destroyed projects every process reads: one id a line, appended."""
    return Path(settings.VAR_DIR) / "destroyed-projects"


def note_destroyed(project_id: object) -> None:
    """Add a project to the list (with its key's destruction; again after a crash is
    harmless: a process forgets a project once)."""
    path = destroyed_list()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="ascii") as handle:
        handle.write(f"{project_id}\n")
        handle.flush()
        os.fsync(handle.fileno())


class _Seen:
    """What this process last read of the list: its size, file and projects."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.checked_at: float | None = None
        self.size = 0
        self.inode = -1
        self.projects: set[str] = set()


_seen = _Seen()


def _read_new() -> list[str]:
    path = destroyed_list()
    try:
        stat = path.stat()
    except FileNotFoundError:
        return []
    with _seen.lock:
        if stat.st_ino == _seen.inode and stat.st_size == _seen.size:
            return []
        start = _seen.size if stat.st_ino == _seen.inode and stat.st_size > _seen.size else 0
        try:
            with open(path, "rb") as handle:
                handle.seek(start)
                chunk = handle.read()
        except FileNotFoundError:
            return []
        complete, newline, _partial = chunk.rpartition(b"\n")  # a line being written waits
        _seen.inode = stat.st_ino
        _seen.size = start + (len(complete) + 1 if newline else 0)
        lines = {line.strip() for line in complete.decode("ascii", "replace").splitlines()}
        new = sorted(line for line in lines if line and line not in _seen.projects)
        _seen.projects.update(new)
    return new


def forget_destroyed_projects() -> list[str]:
    """If a project was destroyed (in any process) since this process last looked,
    forget its caches here. Looks at most once per ``RECHECK_SECONDS`` (one ``stat()``;
    the list is read only when it grew). Returns the projects forgotten."""
    now = clock.monotonic()
    with _seen.lock:
        if _seen.checked_at is not None and now - _seen.checked_at < RECHECK_SECONDS:
            return []
        _seen.checked_at = now
    new = _read_new()
    for project_id in new:
        forget_project_caches(project_id)
    if new:
        log.info("forgot the caches of %d destroyed project(s)", len(new))
    return new


def reset_for_tests() -> None:
    """Forget what this process has read (a test's fresh process)."""
    with _seen.lock:
        _seen.checked_at = None
        _seen.size = 0
        _seen.inode = -1
        _seen.projects = set()


class ForgetDestroyedProjectsMiddleware:
    """Before a request: forget the caches of projects destroyed elsewhere."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        forget_destroyed_projects()
        return self.get_response(request)
