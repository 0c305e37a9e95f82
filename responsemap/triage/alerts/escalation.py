"""The escalation sweep: alerts nobody acknowledged within their project's
``escalate_after_minutes`` are escalated, once each (``do_escalate_alert``).

Run by every worker's upkeep (``lib.tasks.register_upkeep``, every few seconds), by
the ``escalate_alerts`` task and by ``manage.py escalate_alerts``; one indexed query
(the partial index of open alerts) when there is nothing to do. Time comes from
``lib.clock``, so tests move it instead of waiting.
"""

from __future__ import annotations

from datetime import timedelta

from responsemap.lib import clock
from responsemap.triage.alerts.actions import do_escalate_alert
from responsemap.triage.alerts.models import Alert
from responsemap.triage.alerts.queries import policies_for

# No project may escalate sooner than this (the sweep's first cut).
MIN_MINUTES = 1
BATCH = 200


def escalate_overdue_alerts() -> int:
    """Escalate every alert past its project's delay; returns how many."""
    now = clock.now()
    candidates = list(
        Alert.objects.filter(
            acknowledged_at__isnull=True,
            escalated_at__isnull=True,
            created_at__lt=now - timedelta(minutes=MIN_MINUTES),
        )
        .order_by("created_at")
        .values_list("pk", "project_id", "created_at")[:BATCH]
    )
    if not candidates:
        return 0
    policies = policies_for({project_id for _pk, project_id, _at in candidates})
    done = 0
    for pk, project_id, created_at in candidates:
        delay = timedelta(minutes=policies[str(project_id)].escalate_after_minutes)
        if created_at + delay <= now and do_escalate_alert(pk, now):
            done += 1
    return done
