"""The destruction certificate: what was destroyed, when, on whose approval, how many
rows of each kind, the destroyed key's id and fingerprint, and the final hash of the
project's audit chain. It is an event of the system chain (action
``project.destruction_certificate``, the certificate as canonical JSON in its reason):
MAC'd, followed by the system head's MAC, witnessed outside the database, and never
purged. Nothing in it is anyone's words."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from responsemap.projects.destruction.models import DestructionRun
from responsemap.projects.models import Project
from responsemap.protection.audit import SYSTEM_CHAIN, event_intact, record_event
from responsemap.protection.models import AuditEvent

CERTIFICATE = "project.destruction_certificate"


def certificate_body(run: DestructionRun) -> dict[str, Any]:
    project = Project.objects.select_related("organisation").get(pk=run.project_id)
    return {
        "project": {
            "id": str(project.pk),
            "name": project.name,
            "slug": project.slug,
            "organisation": project.organisation.name,
            "closed_at": project.closed_at.isoformat() if project.closed_at else None,
            "retention_days": project.retention_days,
        },
        "approval": run.approval,
        "approved_by": run.approved_by,
        "started_at": run.started_at.isoformat(),
        "key": {
            "id": run.key_id,
            "fingerprint": run.key_fingerprint,
            "versions": run.key_versions,
            "destroyed_at": run.key_destroyed_at.isoformat() if run.key_destroyed_at else None,
        },
        "rows": dict(sorted(run.counts.items())),
        "files": run.files,
        "audit_chain": {"events": run.chain_events, "final_hash": run.chain_final_hash},
    }


def record_certificate(run: DestructionRun) -> uuid.UUID:
    body = certificate_body(run)
    event = record_event(
        CERTIFICATE,
        project_id=None,
        object_type="project",
        object_id=run.project_id,
        reason=json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")),
    )
    assert event.uid is not None
    return event.uid


@dataclass(frozen=True)
class Certificate:
    body: dict[str, Any]
    issued_at: Any
    seq: int
    hash: str
    intact: bool  # the event's MAC holds (``verify_audit`` checks the whole chain)


def certificate_of(project_id: object) -> Certificate | None:
    event = (
        AuditEvent.objects.filter(
            chain=SYSTEM_CHAIN, action=CERTIFICATE, object_type="project", object_id=str(project_id)
        )
        .order_by("seq")
        .first()
    )
    if event is None:
        return None
    try:
        body = json.loads(event.reason)
    except ValueError:
        body = {}
    return Certificate(body, event.created_at, event.seq, event.hash, event_intact(event))
