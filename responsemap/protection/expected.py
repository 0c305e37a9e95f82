"""What the audit log must hold, listed from outside the log itself (ADR 0007).

``verify_chain`` checks a chain that is there; this module finds the ones that are not:

- **Every project has its chain.** The apps that own projects register where their ids
  come from (``expect_project_chains``: protection does not import them). Each project,
  and each destroyed one (``DestroyedProject``), must have a chain that opens with
  ``chain.start`` naming it, unless the system chain records its purge
  (``audit.chain_purged``). A project chain with no such project is reported too.
- **Every row of a table has its event.** An app registers, e.g., "every inbound message
  has a ``message.receive`` event" (``expect_event_for_each``): a pending event deleted
  before it was chained leaves its message without one.
- **Checkpoints.** Chains the witness saw (``protection.witness``) must still exist.

Each check returns problems as lines for ``manage.py verify_audit``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from responsemap.protection.audit import (
    CHAIN_START,
    PROJECT_PREFIX,
    SYSTEM_CHAIN,
    all_chains,
    chain_for,
)
from responsemap.protection.keyring import KeyDestroyed, KeyUnavailable, get_keyring
from responsemap.protection.models import AuditEvent, AuditPending, DestroyedProject

PURGED = "audit.chain_purged"
CHUNK = 2000

_project_sources: list[Callable[[], Iterable[object]]] = []


@dataclass(frozen=True)
class EventExpectation:
    """Every row of ``rows()`` has an event ``action`` (one of) naming it as its object."""

    label: str
    rows: Callable[[], QuerySet[Any]]
    object_type: str
    actions: tuple[str, ...]
    project_field: str = "project_id"


_event_expectations: list[EventExpectation] = []


def expect_project_chains(source: Callable[[], Iterable[object]]) -> None:
    """Register where project ids come from (called from an app's ``ready()``)."""
    if source not in _project_sources:
        _project_sources.append(source)


def expect_event_for_each(expectation: EventExpectation) -> None:
    """Register a table whose every row must have its event (from an app's ``ready()``)."""
    if expectation not in _event_expectations:
        _event_expectations.append(expectation)


def purged_projects() -> set[str]:
    """Projects whose chain was purged, by the system chain's own record of it."""
    records = AuditEvent.objects.filter(chain=SYSTEM_CHAIN, action=PURGED)
    return set(records.values_list("object_id", flat=True))


def verify_expected_chains(witnessed: Mapping[str, int] | None = None) -> list[str]:
    """Problems with the set of chains: a project (live or destroyed) with no chain or a
    chain that does not open with its binding event; a project chain for no project; a
    chain the witness saw (``witnessed``: chain → seq) that is gone; a destruction
    recorded for a project whose key still opens."""
    purged = purged_projects()
    destroyed = {str(pid) for pid in DestroyedProject.objects.values_list("project_id", flat=True)}
    live = {str(pid) for source in _project_sources for pid in source()}
    present = set(all_chains())
    problems: list[str] = []
    if (live or destroyed) and SYSTEM_CHAIN not in present:
        # Organisations, users and purges are recorded there: with a project, it exists.
        problems.append(f"MISSING {SYSTEM_CHAIN}: projects exist but the system chain does not")
    for project in sorted((live | destroyed) - purged):
        chain = chain_for(project)
        if chain not in present:
            problems.append(f"MISSING {chain}: the project exists but its audit chain does not")
            continue
        first = AuditEvent.objects.filter(chain=chain, seq=1).values_list("action", "object_id")
        if list(first) != [(CHAIN_START, project)]:
            problems.append(
                f"UNBOUND {chain}: does not open with its {CHAIN_START} event (deleted whole "
                "and begun again?)"
            )
    for chain in sorted(present):
        project = chain.removeprefix(PROJECT_PREFIX)
        if chain.startswith(PROJECT_PREFIX) and project not in live | destroyed | purged:
            problems.append(f"UNEXPECTED {chain}: no such project, and none destroyed")
    for chain, seq in sorted((witnessed or {}).items()):
        project = chain.removeprefix(PROJECT_PREFIX)
        if chain not in present and not (chain.startswith(PROJECT_PREFIX) and project in purged):
            problems.append(f"MISSING {chain}: the witness saw it at {seq} events")
    for project in sorted(destroyed):
        if _key_opens(project):
            problems.append(
                f"FALSE destruction record of project {project}: its key was not destroyed"
            )
    return problems


def _key_opens(project: str) -> bool:
    try:
        get_keyring().keys(project)
    except KeyDestroyed:
        return False
    except KeyUnavailable:
        return False
    return True


def verify_expected_events() -> list[str]:
    """Rows with no event of their registered kind (a pending event deleted?)."""
    purged = purged_projects()
    problems: list[str] = []
    for expected in _event_expectations:
        rows = expected.rows().order_by("pk").values_list("pk", expected.project_field)
        chunk: list[tuple[str, str]] = []
        for pk, project in rows.iterator(chunk_size=CHUNK):
            if str(project) not in purged:
                chunk.append((str(pk), str(project)))
            if len(chunk) == CHUNK:
                problems += _missing_events(expected, chunk)
                chunk = []
        problems += _missing_events(expected, chunk)
    return problems


def _missing_events(expected: EventExpectation, rows: list[tuple[str, str]]) -> list[str]:
    if not rows:
        return []
    ids = [pk for pk, _ in rows]
    found: set[str] = set()
    for model in (AuditEvent, AuditPending):
        events = model.objects.filter(
            object_type=expected.object_type, action__in=expected.actions, object_id__in=ids
        )
        found |= set(events.values_list("object_id", flat=True))
    return [
        f"MISSING event: {expected.label} {pk} (project {project}) has no "
        f"{' or '.join(expected.actions)} event (a pending event deleted?)"
        for pk, project in rows
        if pk not in found
    ]
