from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import pytest
from django.db import connection
from django.test import TestCase

from responsemap.accounts.models import User
from responsemap.accounts.queries import viewer_for
from responsemap.imports.pull import actions, clients, running
from responsemap.imports.pull.models import PullSource
from responsemap.imports.pull.tests.standin import (
    ASSET_UID,
    KOBO_TOKEN,
    ODK_EMAIL,
    ODK_PASSWORD,
    StandIn,
    kobo_submission,
    odk_submission,
)
from responsemap.lib.clock import FakeClock
from responsemap.projects.models import Project
from responsemap.protection.models import AuditEvent
from responsemap.protection.viewer import Viewer
from responsemap.triage.models import Feedback

pytestmark = pytest.mark.django_db
T0 = datetime(2024, 3, 14, 9, 36, 52, tzinfo=UTC)


def manager(personas: dict[str, User], project: Project) -> Viewer:
    viewer = viewer_for(personas["manager"], project.pk)
    assert viewer is not None
    return viewer


def kobo_source(project: Project, viewer: Viewer, standin: StandIn, **secrets: str) -> PullSource:
    return actions.do_create_pull_source(
        project=project,
        kind="kobo",
        name="Feedback form",
        config={"server_url": standin.base, "asset_uid": ASSET_UID},
        secrets=secrets or {"token": KOBO_TOKEN},
        interval_minutes=60,
        actor=viewer,
    )


def odk_source(project: Project, viewer: Viewer, standin: StandIn, **secrets: str) -> PullSource:
    return actions.do_create_pull_source(
        project=project,
        kind="odk",
        name="ODK feedback",
        config={"server_url": standin.base, "project_id": "7", "form_id": "feedback"},
        secrets=secrets or {"email": ODK_EMAIL, "password": ODK_PASSWORD},
        interval_minutes=30,
        actor=viewer,
    )


KOBO_MAPPING = {
    "columns": {
        "content": "group_feedback/message",
        "received_at": "_submission_time",
        "type_code": "group_feedback/type",
        "sector": "group_feedback/sector",
        "gender": "respondent/gender",
    }
}
ODK_MAPPING = {
    "columns": {
        "content": "feedback/message",
        "received_at": "__system/submissionDate",
        "type_code": "feedback/type",
        "gender": "respondent/gender",
    }
}


def mapped(source: PullSource, mapping: dict[str, Any], viewer: Viewer) -> PullSource:
    """Mapped; the first pull runs at once (the tests' task backend)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        actions.do_set_pull_mapping(source, mapping, viewer)
    source.refresh_from_db()
    return source


def pull_now(source: PullSource, viewer: Viewer) -> PullSource:
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert actions.do_request_pull(source, viewer)
    source.refresh_from_db()
    return source


def imported(project: Project) -> Any:
    return Feedback.objects.filter(project=project, source="import")


def test_kobo_pages_every_submission_into_records(
    project: Project, personas: dict[str, User], standin: StandIn, small_pages: None
) -> None:
    viewer = manager(personas, project)
    standin.kobo = [kobo_submission(n, T0 + timedelta(minutes=n)) for n in range(5)]
    source = kobo_source(project, viewer, standin)
    assert "group_feedback/message" in running.sample_fields(source)["fields"]
    source = mapped(source, KOBO_MAPPING, viewer)

    assert (source.last_outcome, source.last_fetched, source.last_created) == ("ok", 5, 5)
    records = imported(project).order_by("received_at")
    assert records.count() == 5
    first = records[0]
    assert first.received_at == T0
    assert (first.type_code, first.sector, first.gender) == ("complaint", "wash", "female")
    # Three pages of 2, following the "next" links; the token went on each.
    data_calls = [p for m, p in standin.requests if "/data/" in p and "limit=2" in p]
    assert len(data_calls) == 3
    # The cursor: the newest submission, less the overlap.
    assert source.last_submission_at == T0 + timedelta(minutes=4) - timedelta(minutes=10)
    assert source.next_run_at is not None
    assert source.last_run_at is not None
    assert AuditEvent.objects.filter(action="import.pull", object_id=str(source.pk)).exists()


def test_a_second_pull_asks_for_new_submissions_only_and_creates_nothing_twice(
    project: Project, personas: dict[str, User], standin: StandIn
) -> None:
    viewer = manager(personas, project)
    standin.kobo = [kobo_submission(n, T0 + timedelta(hours=n)) for n in range(3)]
    source = mapped(kobo_source(project, viewer, standin), KOBO_MAPPING, viewer)
    assert source.last_created == 3
    standin.kobo.append(kobo_submission(3, T0 + timedelta(hours=3)))
    standin.requests.clear()

    source = pull_now(source, viewer)
    # Asked from the newest time on (less the overlap): the last one again, and the new.
    ((_, path),) = standin.requests
    assert "query=" in path
    assert "_submission_time" in path
    assert ".000" not in unquote(path)  # Kobo's own format: no fraction, no zone
    assert (source.last_fetched, source.last_created, source.last_skipped) == (2, 1, 1)
    assert source.total_created == 4
    assert imported(project).count() == 4

    source = pull_now(source, viewer)
    assert (source.last_created, source.last_skipped) == (0, 1)
    assert imported(project).count() == 4


def test_odk_signs_in_pages_with_next_links_and_signs_out(
    project: Project, personas: dict[str, User], standin: StandIn, small_pages: None
) -> None:
    viewer = manager(personas, project)
    standin.odk = [odk_submission(n, T0 + timedelta(minutes=n)) for n in range(3)]
    source = odk_source(project, viewer, standin)
    fields = running.sample_fields(source)["fields"]
    assert {"__id", "__system/submissionDate", "feedback/message", "location"} <= set(fields)
    assert not any("@odata" in f for f in fields)
    source = mapped(source, ODK_MAPPING, viewer)

    assert (source.last_outcome, source.last_created) == ("ok", 3)
    record = imported(project).order_by("received_at").first()
    assert record is not None
    assert record.received_at == T0
    assert (record.type_code, record.gender) == ("question", "male")
    paths = [p for m, p in standin.requests if m == "GET" and not p.endswith("/items")]
    assert len(paths) == 2 + 1  # the sample, then two pages ($skiptoken)
    # The sample follows each submission's link to its repeat's rows; the fetches,
    # whose matching uses no repeat field, do not.
    items = [p for m, p in standin.requests if m == "GET" and p.endswith("/items")]
    assert len(items) == 3
    assert "%24skiptoken=2" in paths[-1] or "$skiptoken=2" in paths[-1]
    assert standin.sessions == set()  # every session closed again

    standin.odk.append(odk_submission(9, T0 + timedelta(hours=2)))
    source = pull_now(source, viewer)
    assert "submissionDate+ge+" in [p for m, p in standin.requests if m == "GET"][-1]
    # From the newest time less the overlap: the three within it again, skipped.
    assert (source.last_created, source.last_skipped) == (1, 3)


def test_a_pull_and_a_file_import_of_the_same_form_share_row_keys(
    project: Project, personas: dict[str, User], standin: StandIn
) -> None:
    from responsemap.protection.keyring import blind_index

    viewer = manager(personas, project)
    submission = kobo_submission(1, T0)
    standin.kobo = [submission]
    mapped(kobo_source(project, viewer, standin), KOBO_MAPPING, viewer)
    record = imported(project).get()
    # The key a file import gives a row whose _uuid column holds the same uuid.
    assert record.provider_message_id == "k:" + blind_index(
        project.pk, "import.row-key", submission["_uuid"]
    )


@pytest.mark.parametrize(
    ("breakage", "outcome"),
    [
        ({"secrets": {"token": "wrong"}}, "unauthorized"),
        ({"fail": {"/api/v2/assets/": 404}}, "not_found"),
        ({"fail": {"/api/v2/assets/": 500}}, "server_error"),
        ({"config": {"asset_uid": "nope"}}, "not_found"),
    ],
)
def test_server_errors_are_kept_as_the_outcome_and_nothing_is_lost(
    project: Project,
    personas: dict[str, User],
    standin: StandIn,
    breakage: dict[str, Any],
    outcome: str,
) -> None:
    viewer = manager(personas, project)
    standin.kobo = [kobo_submission(n, T0 + timedelta(minutes=n)) for n in range(2)]
    source = kobo_source(project, viewer, standin, **breakage.get("secrets", {}))
    if "config" in breakage:
        PullSource.objects.filter(pk=source.pk).update(
            config={**source.config, **breakage["config"]}
        )
        source.refresh_from_db()
    standin.fail.update(breakage.get("fail", {}))
    source = mapped(source, KOBO_MAPPING, viewer)
    assert source.last_outcome == outcome
    assert source.last_submission_at is None
    assert source.running_since is None
    assert imported(project).count() == 0

    standin.fail.clear()
    PullSource.objects.filter(pk=source.pk).update(
        config={"server_url": standin.base, "asset_uid": ASSET_UID}
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        actions.do_update_pull_source(
            source,
            name=source.name,
            config={"server_url": standin.base, "asset_uid": ASSET_UID},
            secrets={"token": KOBO_TOKEN},
            interval_minutes=60,
            is_active=True,
            actor=viewer,
        )
    source = pull_now(source, viewer)
    assert (source.last_outcome, source.last_created) == ("ok", 2)


def test_a_pull_cut_after_its_first_page_keeps_that_page_and_asks_again(
    project: Project, personas: dict[str, User], standin: StandIn, small_pages: None
) -> None:
    viewer = manager(personas, project)
    standin.kobo = [kobo_submission(n, T0 + timedelta(minutes=n)) for n in range(4)]
    source = kobo_source(project, viewer, standin)

    original = clients.KoboServer.pages

    def cut(
        self: clients.KoboServer, since: Any, page_size: Any = None, repeats: Any = True
    ) -> Any:
        pages = original(self, since, page_size, repeats)
        yield next(pages)
        raise clients.PullError("timeout")

    clients.KoboServer.pages = cut  # type: ignore[method-assign]
    try:
        source = mapped(source, KOBO_MAPPING, viewer)
    finally:
        clients.KoboServer.pages = original  # type: ignore[method-assign]
    assert (source.last_outcome, source.last_created) == ("timeout", 2)
    assert source.last_submission_at is None  # not moved: the next pull reads it all again
    source = pull_now(source, viewer)
    assert (source.last_outcome, source.last_created, source.last_skipped) == ("ok", 2, 2)


def test_a_server_that_does_not_answer_times_out(
    project: Project, personas: dict[str, User], standin: StandIn, monkeypatch: Any
) -> None:
    monkeypatch.setattr(clients, "TIMEOUT", (2, 0.2))
    viewer = manager(personas, project)
    standin.hang.add("/api/v2/assets/")
    source = mapped(kobo_source(project, viewer, standin), KOBO_MAPPING, viewer)
    assert source.last_outcome == "timeout"


def test_odk_wrong_password_is_unauthorized(
    project: Project, personas: dict[str, User], standin: StandIn
) -> None:
    viewer = manager(personas, project)
    source = odk_source(project, viewer, standin, email=ODK_EMAIL, password="wrong")  # noqa: S106
    with pytest.raises(clients.PullError) as caught:
        running.sample_fields(source)
    assert caught.value.code == "unauthorized"


def test_a_next_link_to_another_server_is_refused(standin: StandIn) -> None:
    server = clients.KoboServer(standin.base, ASSET_UID, KOBO_TOKEN)
    with pytest.raises(clients.PullError) as caught:
        server._get("http://elsewhere.example/api/v2/assets/x/data/")
    assert caught.value.code == "bad_response"


def test_secrets_are_sealed_at_rest(
    project: Project, personas: dict[str, User], standin: StandIn
) -> None:
    source = kobo_source(project, manager(personas, project), standin)
    with connection.cursor() as cursor:
        key = source.pk.hex if connection.vendor == "sqlite" else source.pk
        cursor.execute("SELECT secrets FROM imports_pullsource WHERE id = %s", [key])
        (raw,) = cursor.fetchone()
    assert raw
    assert KOBO_TOKEN not in str(raw)
    assert KOBO_TOKEN not in json.dumps(source.config)


def test_the_upkeep_queues_due_sources_once(
    project: Project, personas: dict[str, User], standin: StandIn, clock: FakeClock
) -> None:
    viewer = manager(personas, project)
    standin.kobo = [kobo_submission(1, T0)]
    source = mapped(kobo_source(project, viewer, standin), KOBO_MAPPING, viewer)
    assert running.pull_due_sources() == 0  # next run an interval away
    standin.kobo.append(kobo_submission(2, T0 + timedelta(minutes=1)))
    clock.advance(61 * 60)
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert running.pull_due_sources() == 1
    assert running.pull_due_sources() == 0
    source.refresh_from_db()
    assert (source.last_created, imported(project).count()) == (1, 2)


def test_a_puller_who_lost_the_permission_stops_the_pulls(
    project: Project, personas: dict[str, User], standin: StandIn
) -> None:
    from responsemap.accounts.models import Membership

    viewer = manager(personas, project)
    standin.kobo = [kobo_submission(1, T0)]
    source = kobo_source(project, viewer, standin)
    Membership.objects.filter(user=personas["manager"], project=project).delete()
    source = mapped(source, KOBO_MAPPING, viewer)
    assert source.last_outcome == "not_allowed"
    assert imported(project).count() == 0


def test_flatten_reads_groups_gps_and_leaves_repeats_out() -> None:
    flat = clients.flatten(
        {
            "a": {"b": "x", "gps": {"type": "Point", "coordinates": [2.0, 1.0, 3.0]}},
            "_geolocation": [18.5, -72.3],
            "repeat": [{"item": "y"}],
            "_attachments": [],
            "n": 3,
            "none": None,
        }
    )
    assert flat == {
        "a/b": "x",
        "a/gps": "1.0 2.0 3.0",
        "_geolocation": "18.5 -72.3",
        "n": "3",
        "none": "",
    }
