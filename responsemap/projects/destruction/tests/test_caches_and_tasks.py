"""What other processes keep of a destroyed project, and the task queue's rows that
name it.

A second process is simulated: this process fills its caches (a channel's secrets, a
redactor, a suggestions model, counts of opens), the destruction runs as if elsewhere
(its own forgetting switched off), and this process then learns of it from the var
directory's list, within ``RECHECK_SECONDS`` of its next request or upkeep round."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from responsemap.intake.channels import queries as channel_queries
from responsemap.intake.channels.actions import do_create_channel
from responsemap.lib.clock import FakeClock
from responsemap.projects.destruction import caches
from responsemap.projects.destruction.actions import Approval, do_destroy_project
from responsemap.projects.destruction.certificate import certificate_of
from responsemap.projects.destruction.task_rows import LABEL
from responsemap.projects.destruction.tests.conftest import close, fill
from responsemap.projects.models import Project
from responsemap.protection import system_opens
from responsemap.protection.system_opens import SystemPurpose
from responsemap.triage import redaction
from responsemap.triage.models import Feedback
from responsemap.triage.suggestions import loading
from responsemap.triage.tasks import redact_feedback


@pytest.fixture
def fresh_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(caches, "destroyed_list", lambda: tmp_path / "destroyed-projects")
    caches.reset_for_tests()
    channel_queries.forget_channels()
    yield
    caches.reset_for_tests()
    channel_queries.forget_channels()


def fill_caches(project: Project) -> str:
    channel = do_create_channel(
        project_id=project.pk, kind="kannel", name="Hotline", secrets={"secret": "s3cret-1"}
    )
    assert channel_queries.channel_for_webhook(str(channel.pk)) is not None
    redaction.redactors_for([project])
    loading._projects[str(project.pk)] = (1, object())  # type: ignore[assignment]
    system_opens.count_open(project.pk, SystemPurpose.AUTHENTICATE_WEBHOOK, "secrets")
    return str(channel.pk)


def cached(project: Project, channel_id: str) -> dict[str, bool]:
    import uuid

    return {
        "channel": uuid.UUID(channel_id) in channel_queries._cache,
        "redactor": project.pk in redaction._redactors,
        "model": str(project.pk) in loading._projects,
        "opens": any(str(k[0]) == str(project.pk) for k in system_opens._tallies),
    }


@pytest.mark.django_db(transaction=True)
def test_another_process_forgets_a_destroyed_projects_caches(
    project: Project,
    other_project: Project,
    clock: FakeClock,
    fresh_process: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fill(project)
    ours, theirs = fill_caches(project), fill_caches(other_project)
    assert caches.forget_destroyed_projects() == []  # nothing destroyed yet
    close(project)
    # The destruction runs in another process: this one's caches stay as they were.
    with monkeypatch.context() as elsewhere:
        elsewhere.setattr(caches, "forget_project_caches", lambda project_id: None)
        do_destroy_project(project, approval=Approval.OPERATOR, approved_by="Marie (DPO)")
    assert all(cached(project, ours).values())
    clock.advance(caches.RECHECK_SECONDS / 2)
    assert caches.forget_destroyed_projects() == []  # not looked again yet
    clock.advance(caches.RECHECK_SECONDS / 2)
    assert caches.forget_destroyed_projects() == [str(project.pk)]
    assert not any(cached(project, ours).values())
    assert all(cached(other_project, theirs).values())  # the other project is untouched
    clock.advance(caches.RECHECK_SECONDS)
    assert caches.forget_destroyed_projects() == []  # forgotten once


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/healthz", "/accounts/login/"])
def test_a_web_process_forgets_at_its_next_request(
    path: str,
    project: Project,
    clock: FakeClock,
    fresh_process: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On the gateways' lean path and on every screen."""
    ours = fill_caches(project)
    close(project)
    with monkeypatch.context() as elsewhere:
        elsewhere.setattr(caches, "forget_project_caches", lambda project_id: None)
        do_destroy_project(project, approval=Approval.OPERATOR, approved_by="Operator")
    assert cached(project, ours)["channel"]
    clock.advance(caches.RECHECK_SECONDS)
    Client().get(path)
    assert not any(cached(project, ours).values())


def test_a_line_being_written_waits_for_its_end(tmp_path: Path, fresh_process: None) -> None:
    listed = caches.destroyed_list()
    listed.write_text("first-project\nsecond-pro", encoding="ascii")
    assert caches._read_new() == ["first-project"]
    with open(listed, "a", encoding="ascii") as handle:
        handle.write("ject\n")
    assert caches._read_new() == ["second-project"]
    assert caches._read_new() == []


@pytest.mark.django_db(transaction=True)
def test_task_rows_naming_the_project_are_purged_and_counted(
    project: Project, other_project: Project, database_tasks: None
) -> None:
    from responsemap.triage.suggestions import actions  # noqa: F401  (imports its tasks)
    from responsemap.triage.suggestions.tasks import train_project_model

    fill(project)
    fill(other_project, 1)
    DBTaskResult.objects.all().delete()  # what filling queued: start from a known queue
    ours = [str(pk) for pk in Feedback.objects.filter(project=project).values_list("pk", flat=True)]
    theirs = str(Feedback.objects.get(project=other_project).pk)
    for feedback_id in ours:
        redact_feedback.enqueue(feedback_id)
    train_project_model.enqueue(str(project.pk))
    kept = [
        redact_feedback.enqueue(theirs).id,
        train_project_model.enqueue(str(other_project.pk)).id,
        redact_feedback.enqueue("not-an-id").id,
    ]
    running = redact_feedback.enqueue(ours[0]).id
    DBTaskResult.objects.filter(pk=running).update(status=TaskResultStatus.RUNNING)
    finished = redact_feedback.enqueue(ours[1]).id
    DBTaskResult.objects.filter(pk=finished).update(status=TaskResultStatus.SUCCESSFUL)
    close(project)
    run = do_destroy_project(project, approval=Approval.OPERATOR, approved_by="Operator")
    left = {str(pk) for pk in DBTaskResult.objects.values_list("pk", flat=True)}
    assert left == {str(pk) for pk in [*kept, running]}
    removed = len(ours) + 1 + 1  # one per record, the training, the finished one
    assert run.counts[LABEL] == removed
    found = certificate_of(project.pk)
    assert found is not None
    assert found.body["rows"][LABEL] == removed
