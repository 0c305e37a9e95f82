"""Changes to a project's public page: its settings, a month's release, the approval
of a release's protection figures. Each one transaction with its audit event; the
page's ``version`` moves with every change, so every web process's cached copy of the
page is dropped at once (``queries.public_figures``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import F

from responsemap.analytics.public.models import (
    MIN_SENSITIVE_THRESHOLD,
    MIN_THRESHOLD,
    PublicPage,
    Release,
    ReleasedTable,
)
from responsemap.analytics.public.tables import PROTECTION, month_end, plan_month
from responsemap.lib import clock
from responsemap.protection.audit import record_event
from responsemap.protection.disclosure import Rules
from responsemap.protection.viewer import ProjectId, Viewer


class ReleaseRefused(Exception):
    """Why a month can't be released (shown to the manager)."""


@dataclass(frozen=True)
class PageSettings:
    enabled: bool
    conflict_mode: bool
    threshold: int
    sensitive_threshold: int
    area_level: int
    purpose: str
    partners: str

    def __post_init__(self) -> None:
        if self.threshold < MIN_THRESHOLD or self.sensitive_threshold < max(
            MIN_SENSITIVE_THRESHOLD, self.threshold
        ):
            raise ValueError("threshold below the minimum")
        if self.area_level not in (1, 2):
            raise ValueError("area level must be 1 or 2")


def _bump(project_id: ProjectId) -> None:
    PublicPage.objects.filter(project_id=project_id).update(version=F("version") + 1)


def do_update_public_page(actor: Viewer, new: PageSettings) -> PublicPage:
    """A manager turns the page on or off, sets conflict mode, thresholds, the level
    of areas and the words shown. Audited (``public_page.settings``, the fields changed;
    none is personal data)."""
    if not actor.can("manage_project"):
        raise PermissionError("manage_project")
    with transaction.atomic():
        page, _made = PublicPage.objects.select_for_update().get_or_create(
            project_id=actor.project_id
        )
        changed = [name for name, value in vars(new).items() if getattr(page, name) != value]
        if not changed:
            return page
        for name in changed:
            setattr(page, name, getattr(new, name))
        page.version += 1
        page.updated_at = clock.now()
        page.save()
        record_event(
            "public_page.settings",
            project_id=actor.project_id,
            actor=actor,
            object_type="project",
            object_id=actor.project_id,
            fields=changed,
            details={"enabled": page.enabled, "conflict_mode": page.conflict_mode},
        )
    return page


def releasable(month: date, today: date) -> bool:
    """Only complete calendar months: a month still running would be published again
    with more records, and two versions of a month give their difference away."""
    return month.day == 1 and month_end(month) <= today


def do_release_month(actor: Viewer, month: date) -> Release:
    """A manager publishes a complete month's figures, once: planned from the rollups
    under the page's current thresholds, suppressed, recorded table by table in the
    ledger. Audited (``public_page.release``)."""
    if not actor.can("manage_project"):
        raise PermissionError("manage_project")
    now = clock.now()
    if not releasable(month, now.date()):
        raise ReleaseRefused("month not complete")
    with transaction.atomic():
        page, _made = PublicPage.objects.select_for_update().get_or_create(
            project_id=actor.project_id
        )
        if Release.objects.filter(project_id=actor.project_id, month=month).exists():
            raise ReleaseRefused("already released")
        rules = Rules(page.threshold, page.sensitive_threshold)
        planned = plan_month(actor.project_id, month, rules, page.area_level)  # type: ignore[arg-type]
        try:
            with transaction.atomic():
                release = Release.objects.create(
                    project_id=actor.project_id,
                    month=month,
                    released_at=now,
                    released_by_id=actor.user_id,
                    threshold=page.threshold,
                    sensitive_threshold=page.sensitive_threshold,
                    area_level=page.area_level,
                )
        except IntegrityError as clash:
            raise ReleaseRefused("already released") from clash
        ReleasedTable.objects.bulk_create(
            ReleasedTable(
                release=release,
                name=table.name,
                family=table.family,
                dimension=table.dimension,
                threshold=table.threshold,
                cells=[list(cell) for cell in table.cells],
                values_hash=table.fingerprint(actor.project_id, month),  # type: ignore[arg-type]
                recorded_at=now,
                published_at=None if table.family == PROTECTION else now,
            )
            for table in planned
        )
        page.version += 1
        page.save(update_fields=["version"])
        record_event(
            "public_page.release",
            project_id=actor.project_id,
            actor=actor,
            object_type="public_release",
            object_id=release.pk,
            details={"month": month.isoformat(), "tables": len(planned)},
        )
    return release


def do_approve_protection(actor: Viewer, release: Release) -> Release:
    """A protection specialist approves a release's protection figures for the public
    page (they were planned, and suppressed, with the release). Audited
    (``public_page.approve_protection``)."""
    if not actor.can("view_sensitive") or release.project_id != actor.project_id:
        raise PermissionError("view_sensitive")
    now = clock.now()
    with transaction.atomic():
        locked = Release.objects.select_for_update().get(pk=release.pk)
        if locked.protection_approved_at is not None:
            return locked
        locked.protection_approved_at = now
        locked.protection_approved_by_id = actor.user_id
        locked.save(update_fields=["protection_approved_at", "protection_approved_by"])
        ReleasedTable.objects.filter(release=locked, family=PROTECTION).update(published_at=now)
        _bump(actor.project_id)
        record_event(
            "public_page.approve_protection",
            project_id=actor.project_id,
            actor=actor,
            object_type="public_release",
            object_id=locked.pk,
            details={"month": locked.month.isoformat()},
        )
    return locked
