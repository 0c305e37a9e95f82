from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client, TestCase
from django.urls import reverse

from responsemap.accounts.models import User
from responsemap.accounts.queries import viewer_for
from responsemap.imports.pull import actions
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
from responsemap.projects.models import Project
from responsemap.protection.models import AuditEvent
from responsemap.triage.models import Feedback

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]
T0 = datetime(2024, 3, 14, 9, 36, 52, tzinfo=UTC)


def kobo_post(standin: StandIn, **changes: str) -> dict[str, str]:
    data = {
        "kind": "kobo",
        "name": "Camp feedback",
        "server_url": standin.base,
        "asset_uid": ASSET_UID,
        "token": KOBO_TOKEN,
        "interval_minutes": "60",
        "is_active": "on",
    }
    data.update(changes)
    return data


def connected(client: Client, project: Project, data: dict[str, str]) -> PullSource:
    response = client.post(reverse("imports:pull_connect", args=[project.slug]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return PullSource.objects.filter(project=project).latest("created_at")


def test_a_manager_connects_kobo_matches_fields_and_fetches(
    project: Project, client_as: ClientFor, standin: StandIn
) -> None:
    standin.kobo = [kobo_submission(n, T0 + timedelta(minutes=n)) for n in range(3)]
    client = client_as("manager")
    assert client.get(reverse("imports:index", args=[project.slug])).status_code == 200
    source = connected(client, project, kobo_post(standin))
    mapping_url = reverse("imports:pull_mapping", args=[project.slug, source.pk])
    page = client.get(mapping_url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "group_feedback/message" in body
    assert KOBO_TOKEN not in body
    # Suggested from the names: the message and the submission time.
    form = page.context["form"]
    assert form["col_content"].initial == "group_feedback/message"
    assert form["col_received_at"].initial == "_submission_time"

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            mapping_url,
            {
                "col_content": "group_feedback/message",
                "col_received_at": "_submission_time",
                "col_type_code": "group_feedback/type",
                "date_order": "dmy",
            },
        )
    # A coded field is matched: its values are recoded before the first fetch.
    recodes_url = reverse("imports:pull_recodes", args=[project.slug, source.pk])
    assert response.status_code == 302
    assert response["Location"] == recodes_url
    assert Feedback.objects.filter(project=project, source="import").count() == 0
    page = client.get(recodes_url)
    assert page.status_code == 200
    rows = page.context["form"].rows
    assert [(r.target, r.value) for r in rows] == [("type_code", "complaint")]
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(recodes_url, {rows[0].field: "complaint"})
    assert response.status_code == 302
    assert Feedback.objects.filter(project=project, source="import").count() == 3
    page = client.get(reverse("imports:pull_source", args=[project.slug, source.pk]))
    assert page.status_code == 200
    assert "Fetch now" in page.content.decode()

    standin.kobo.append(kobo_submission(7, T0 + timedelta(minutes=7)))
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("imports:pull_fetch", args=[project.slug, source.pk]))
    assert response.status_code == 302
    assert Feedback.objects.filter(project=project, source="import").count() == 4
    listing = client.get(reverse("imports:pull", args=[project.slug]))
    assert "Camp feedback" in listing.content.decode()


def test_odk_connects_with_email_and_password(
    project: Project, client_as: ClientFor, standin: StandIn
) -> None:
    standin.odk = [odk_submission(1, T0)]
    client = client_as("manager")
    source = connected(
        client,
        project,
        {
            "kind": "odk",
            "name": "ODK form",
            "server_url": standin.base,
            "project_id": "7",
            "form_id": "feedback",
            "email": ODK_EMAIL,
            "password": ODK_PASSWORD,
            "interval_minutes": "30",
            "is_active": "on",
        },
    )
    assert source.kind == "odk"
    assert ODK_PASSWORD not in str(source.config)
    page = client.get(reverse("imports:pull_mapping", args=[project.slug, source.pk]))
    assert "feedback/message" in page.content.decode()


def test_a_wrong_token_is_said_in_words_and_the_source_is_kept(
    project: Project, client_as: ClientFor, standin: StandIn
) -> None:
    client = client_as("manager")
    response = client.post(
        reverse("imports:pull_connect", args=[project.slug]), kobo_post(standin, token="nope")
    )
    source = PullSource.objects.get(project=project)
    assert response["Location"] == reverse("imports:pull_source", args=[project.slug, source.pk])
    page = client.get(response["Location"])
    assert "refused the sign-in" in page.content.decode()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"server_url": "not a url"}, "server_url"),
        ({"server_url": "ftp://example.org"}, "server_url"),
        ({"asset_uid": ""}, "asset_uid"),
        ({"asset_uid": "a/../b"}, "asset_uid"),
        ({"token": ""}, "token"),
        ({"interval_minutes": "1"}, "interval_minutes"),
        ({"kind": "dhis2"}, "kind"),
    ],
)
def test_bad_connection_input_is_a_400_with_reasons(
    project: Project,
    client_as: ClientFor,
    standin: StandIn,
    changes: dict[str, str],
    field: str,
) -> None:
    response = client_as("manager").post(
        reverse("imports:pull_connect", args=[project.slug]), kobo_post(standin, **changes)
    )
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not PullSource.objects.exists()


def test_odk_needs_its_numbers_and_password(
    project: Project, client_as: ClientFor, standin: StandIn
) -> None:
    response = client_as("manager").post(
        reverse("imports:pull_connect", args=[project.slug]),
        {"kind": "odk", "name": "x", "server_url": standin.base, "interval_minutes": "60"},
    )
    assert response.status_code == 400
    assert {"project_id", "form_id", "email", "password"} <= set(response.context["form"].errors)


@pytest.mark.parametrize("persona", ["operator", "officer", "protection", "partner", "donor"])
def test_only_managers_see_the_pull_screens(
    project: Project,
    personas: dict[str, User],
    client_as: ClientFor,
    standin: StandIn,
    persona: str,
) -> None:
    viewer = viewer_for(personas["manager"], project.pk)
    assert viewer is not None
    source = actions.do_create_pull_source(
        project=project,
        kind="kobo",
        name="Form",
        config={"server_url": standin.base, "asset_uid": ASSET_UID},
        secrets={"token": KOBO_TOKEN},
        interval_minutes=60,
        actor=viewer,
    )
    client = client_as(persona)
    for name in ("imports:pull", "imports:pull_connect"):
        assert client.get(reverse(name, args=[project.slug])).status_code == 404
    for name in (
        "imports:pull_source",
        "imports:pull_mapping",
        "imports:pull_change",
        "imports:pull_recodes",
    ):
        assert client.get(reverse(name, args=[project.slug, source.pk])).status_code == 404
    for name in (
        "imports:pull_fetch",
        "imports:pull_delete",
        "imports:pull_rewind",
        "imports:pull_repeats",
        "imports:pull_recodes",
    ):
        assert client.post(reverse(name, args=[project.slug, source.pk])).status_code == 404
    assert PullSource.objects.filter(pk=source.pk).exists()
    assert not standin.requests
    assert (
        not AuditEvent.objects.filter(action__startswith="import.pull_")
        .exclude(action="import.pull_connect")
        .exists()
    )


def test_a_source_of_another_project_is_a_404(
    project: Project,
    other_project: Project,
    personas: dict[str, User],
    client_as: ClientFor,
    standin: StandIn,
) -> None:
    viewer = viewer_for(personas["manager"], project.pk)
    assert viewer is not None
    source = actions.do_create_pull_source(
        project=project,
        kind="kobo",
        name="Form",
        config={"server_url": standin.base, "asset_uid": ASSET_UID},
        secrets={"token": KOBO_TOKEN},
        interval_minutes=60,
        actor=viewer,
    )
    client = client_as("manager")
    # The manager is not a member of the other project: the source is not found there.
    assert (
        client.get(reverse("imports:pull_source", args=[other_project.slug, source.pk])).status_code
        == 404
    )
    assert (
        client.get(reverse("imports:pull_source", args=[project.slug, "nope"])).status_code == 404
    )


def test_change_keeps_the_token_when_left_empty_and_disconnect_keeps_records(
    project: Project, client_as: ClientFor, standin: StandIn
) -> None:
    standin.kobo = [kobo_submission(1, T0)]
    client = client_as("manager")
    source = connected(client, project, kobo_post(standin))
    response = client.post(
        reverse("imports:pull_change", args=[project.slug, source.pk]),
        kobo_post(standin, token="", name="Renamed", interval_minutes="120"),
    )
    assert response.status_code == 302
    source.refresh_from_db()
    assert (source.name, source.interval_minutes) == ("Renamed", 120)
    response = client.post(reverse("imports:pull_check", args=[project.slug, source.pk]))
    assert response["Location"].endswith("/mapping/")  # the kept token still signs in

    response = client.post(reverse("imports:pull_delete", args=[project.slug, source.pk]))
    assert response.status_code == 302
    assert not PullSource.objects.exists()


def test_the_matching_is_kept_for_the_form_and_offered_to_its_next_source(
    project: Project, client_as: ClientFor, standin: StandIn
) -> None:
    from responsemap.imports.form_models import SavedMapping

    standin.kobo = [kobo_submission(1, T0)]
    client = client_as("manager")
    first = connected(client, project, kobo_post(standin))
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(
            reverse("imports:pull_mapping", args=[project.slug, first.pk]),
            {"col_content": "group_feedback/sector", "date_order": "dmy"},
        )
    assert SavedMapping.objects.filter(project=project).count() == 1
    second = connected(client, project, kobo_post(standin, name="Same form again"))
    page = client.get(reverse("imports:pull_mapping", args=[project.slug, second.pk]))
    assert page.context["form"]["col_content"].initial == "group_feedback/sector"
