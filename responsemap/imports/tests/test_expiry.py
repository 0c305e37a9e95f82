"""An import job uploaded and never started loses its file after a while: the upkeep
expires it (audited), and its page says so; jobs that started are never touched."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from django.test import Client, TestCase
from django.urls import reverse

from responsemap.imports import tasks
from responsemap.imports.models import ImportJob
from responsemap.imports.tests.kobo import GOOD, csv_bytes
from responsemap.imports.tests.test_flow import prepared_job, upload
from responsemap.lib.clock import FakeClock
from responsemap.projects.models import Project
from responsemap.protection.models import AuditEvent

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]
HOUR = 3600


@pytest.fixture(autouse=True)
def _fresh_upkeep() -> Iterator[None]:
    tasks._last_expiry_check.clear()
    yield
    tasks._last_expiry_check.clear()


def _raw_content(job: ImportJob) -> object:
    return ImportJob.objects.filter(pk=job.pk).values_list("content", flat=True)[0]


def _uploaded(client: Client, project: Project) -> ImportJob:
    assert upload(client, project, csv_bytes(GOOD)).status_code == 302
    return ImportJob.objects.filter(project=project).latest("created_at")


def test_jobs_left_before_their_start_expire_and_lose_their_file(
    client_as: ClientFor, project: Project, clock: FakeClock
) -> None:
    client = client_as("officer")
    uploaded = _uploaded(client, project)
    checked = prepared_job(client, project, csv_bytes(GOOD))
    assert checked.state == ImportJob.State.MAPPED
    assert _raw_content(uploaded)
    assert _raw_content(checked)

    clock.advance(71 * HOUR)
    assert tasks.expire_abandoned_jobs() == 0  # not yet (72 hours by default)
    clock.advance(2 * HOUR)
    fresh = _uploaded(client, project)
    # Touched an hour ago by the clock's time (the app stamps it with the real time).
    ImportJob.objects.filter(pk=fresh.pk).update(updated_at=clock.now() - timedelta(hours=1))
    assert tasks.expire_abandoned_jobs() == 2

    for job in (uploaded, checked):
        job.refresh_from_db()
        assert job.state == ImportJob.State.EXPIRED
        assert _raw_content(job) is None
        assert job.finished_at is not None
        event = AuditEvent.objects.get(action="import.expire", object_id=str(job.pk))
        assert event.actor_id is None  # the system's doing
    fresh.refresh_from_db()
    assert fresh.state == ImportJob.State.UPLOADED
    assert _raw_content(fresh)


def test_the_upkeep_looks_every_few_minutes_not_every_round(
    client_as: ClientFor, project: Project, clock: FakeClock
) -> None:
    assert tasks.expire_abandoned_jobs() == 0
    job = _uploaded(client_as("officer"), project)
    clock.advance(73 * HOUR)
    clock._monotonic -= 73 * HOUR  # the hours passed, not the worker's few seconds
    assert tasks.expire_abandoned_jobs() == 0  # it looked a moment ago
    clock._monotonic += tasks.EXPIRE_CHECK_SECONDS
    assert tasks.expire_abandoned_jobs() == 1
    job.refresh_from_db()
    assert job.state == ImportJob.State.EXPIRED


def test_started_finished_and_failed_jobs_are_never_expired(
    client_as: ClientFor, project: Project, clock: FakeClock
) -> None:
    client = client_as("officer")
    checked = prepared_job(client, project, csv_bytes(GOOD))
    with TestCase.captureOnCommitCallbacks(execute=True):
        started = client.post(reverse("imports:start", args=[project.slug, checked.pk]))
    assert started.status_code == 302
    checked.refresh_from_db()
    assert checked.state == ImportJob.State.DONE
    clock.advance(1000 * HOUR)
    assert tasks.expire_abandoned_jobs() == 0
    checked.refresh_from_db()
    assert checked.state == ImportJob.State.DONE
    assert not AuditEvent.objects.filter(action="import.expire").exists()


def test_an_expired_jobs_page_says_why_and_it_can_be_deleted(
    client_as: ClientFor, project: Project, clock: FakeClock
) -> None:
    client = client_as("officer")
    job = _uploaded(client, project)
    clock.advance(73 * HOUR)
    assert tasks.expire_abandoned_jobs() == 1
    # Its editing screens lead to its page, which says what happened.
    mapping = client.get(reverse("imports:mapping", args=[project.slug, job.pk]))
    assert mapping.status_code == 302
    page = client.get(reverse("imports:job", args=[project.slug, job.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "never started" in text
    assert "72 hours" in text
    listing = client.get(reverse("imports:index", args=[project.slug])).content.decode()
    assert "Expired, file deleted" in listing
    assert client.post(reverse("imports:discard", args=[project.slug, job.pk])).status_code == 302
    assert not ImportJob.objects.filter(pk=job.pk).exists()


def test_a_job_touched_after_it_was_found_due_is_not_expired(
    client_as: ClientFor, project: Project, clock: FakeClock
) -> None:
    """The upkeep lists a job as due, then a person edits its mapping before the move:
    the move is conditional on the job still being untouched since the cutoff."""
    from responsemap.imports.transitions import move_job

    job = _uploaded(client_as("officer"), project)
    ImportJob.objects.filter(pk=job.pk).update(updated_at=clock.now())  # just edited
    cutoff = clock.now() - timedelta(hours=72)
    moved = move_job(
        job,
        tasks.ABANDONABLE,
        ImportJob.State.EXPIRED,
        untouched_since=cutoff,
        action="import.expire",
        content=None,
    )
    assert not moved
    job.refresh_from_db()
    assert job.state == ImportJob.State.UPLOADED
    assert _raw_content(job)
    assert not AuditEvent.objects.filter(action="import.expire", object_id=str(job.pk)).exists()
