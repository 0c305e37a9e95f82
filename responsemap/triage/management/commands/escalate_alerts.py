"""Escalate the alerts nobody acknowledged in time (workers also do it on their own)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from responsemap.triage.alerts.escalation import escalate_overdue_alerts


class Command(BaseCommand):
    help = "Escalate urgent-record alerts not acknowledged within their project's delay."

    def handle(self, *args: Any, **options: Any) -> None:
        done = escalate_overdue_alerts()
        self.stdout.write(f"{done} alert(s) escalated")
