"""Repeat groups through the APIs: Kobo's nested lists and ODK Central's repeat tables,
joined into the submission's record or one record per repeat row linked to it; the
recoding screen for pulls; the project's time zone as a pull's default."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client, TestCase
from django.urls import reverse

from responsemap.accounts.models import User
from responsemap.imports.form_models import SubmissionLink
from responsemap.imports.pull import actions, running
from responsemap.imports.pull.repeats import comment_fields, headers_for
from responsemap.imports.pull.tests.standin import StandIn, kobo_submission, odk_submission
from responsemap.imports.pull.tests.test_pull import (
    KOBO_MAPPING,
    ODK_MAPPING,
    T0,
    imported,
    kobo_source,
    manager,
    mapped,
    odk_source,
    pull_now,
)
from responsemap.imports.submissions import repeat_rows_of, submission_of
from responsemap.projects.models import Project
from responsemap.protection.models import AuditEvent
from responsemap.protection.present import open_for_system
from responsemap.protection.system_opens import SystemPurpose
from responsemap.triage.models import Feedback

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]


def comments(*texts: str) -> list[dict[str, Any]]:
    """A Kobo repeat group as its JSON nests it: keys carry the repeat's path."""
    return [{"group_comments/comment": text, "group_comments/rating": "good"} for text in texts]


def kobo_with_repeats() -> list[dict[str, Any]]:
    return [
        kobo_submission(1, T0, group_comments=comments("The tap leaks", "No soap")),
        kobo_submission(2, T0 + timedelta(minutes=1), group_comments=comments("Long queue")),
        kobo_submission(3, T0 + timedelta(minutes=2)),  # no repeat row
    ]


def test_kobo_repeats_are_sampled_as_their_own_table(
    project: Project, personas: dict[str, User], standin: StandIn
) -> None:
    viewer = manager(personas, project)
    standin.kobo = kobo_with_repeats()
    shape = running.sample_fields(kobo_source(project, viewer, standin))
    assert shape["repeats"] == {"group_comments": ["comment", "rating"]}
    assert not any(f.startswith("group_comments") for f in shape["fields"])
    # The choice list's values are kept; free text never is.
    assert shape["values"]["group_comments"] == {"rating": ["good"]}
    assert "group_feedback/message" not in shape["values"]["submission"]
    assert "comment" not in shape["values"]["group_comments"]
    # Joined into the submission: "repeat/field", the comment offered for the text.
    joined = headers_for(shape, {})
    assert {"group_comments/comment", "group_comments/rating"} <= set(joined)
    assert comment_fields(shape, {}) == ["group_comments/comment"]
    # One record per repeat row: its own fields, its submission's as "submission/…".
    per_row = headers_for(shape, {"base": "group_comments", "with": ["submission"]})
    assert per_row[:2] == ["comment", "rating"]
    assert "submission/_submission_time" in per_row
    assert not any(h in per_row for h in ("_row_key", "_parent_key", "_submission__uuid"))


def test_kobo_repeat_comments_join_the_submissions_text(
    project: Project, personas: dict[str, User], standin: StandIn
) -> None:
    viewer = manager(personas, project)
    standin.kobo = kobo_with_repeats()
    source = kobo_source(project, viewer, standin)
    mapping = {**KOBO_MAPPING, "more_text": ["group_comments/comment"], "repeats": True}
    source = mapped(source, mapping, viewer)

    assert (source.last_outcome, source.last_created) == ("ok", 3)
    texts = [
        open_for_system(f, "content", purpose=SystemPurpose.READ_IMPORT) or ""
        for f in imported(project).order_by("received_at")
    ]
    assert "group_comments/comment: The tap leaks\nNo soap" in texts[0]
    assert "group_comments/comment: Long queue" in texts[1]
    assert "group_comments" not in texts[2]
    # Fetched again: nothing twice.
    actions.do_fetch_everything_again(source, viewer)
    source = pull_now(source, viewer)
    assert (source.last_skipped, imported(project).count()) == (3, 3)


def test_kobo_one_record_per_repeat_row_linked_to_its_submission(
    project: Project, personas: dict[str, User], standin: StandIn
) -> None:
    viewer = manager(personas, project)
    standin.kobo = kobo_with_repeats()
    rows = kobo_source(project, viewer, standin)
    per_row = {
        "columns": {
            "content": "comment",
            "received_at": "submission/_submission_time",
            "gender": "submission/respondent/gender",
        },
        "sheets": {"base": "group_comments", "with": ["submission"]},
        "repeats": True,
    }
    rows = mapped(rows, per_row, viewer)
    assert (rows.last_outcome, rows.last_created, rows.last_failed) == ("ok", 3, 0)
    made = list(imported(project).order_by("received_at", "pk"))
    assert {f.gender for f in made} == {"female"}
    assert SubmissionLink.objects.filter(project=project).count() == 3

    # The submissions themselves, from another source of the same form.
    submissions = mapped(kobo_source(project, viewer, standin), KOBO_MAPPING, viewer)
    assert submissions.last_created == 3
    visible = Feedback.objects.filter(project=project)
    first = submission_of(made[0], visible)
    assert first is not None
    assert first.received_at == T0
    assert {f.pk for f in repeat_rows_of(first, visible)} == {
        f.pk for f in made if submission_of(f, visible) == first
    }
    assert len(repeat_rows_of(first, visible)) == 2
    # Fetched again: each repeat row is one record (its key: uuid, repeat, place).
    rows = pull_now(rows, viewer)
    assert (rows.last_created, rows.last_skipped) == (0, 3)


def test_odk_repeat_tables_are_read_by_their_links(
    project: Project, personas: dict[str, User], standin: StandIn
) -> None:
    viewer = manager(personas, project)
    standin.odk = [odk_submission(n, T0 + timedelta(minutes=n)) for n in range(2)]
    first_id = standin.odk[0]["__id"]
    standin.odk_repeats = {
        first_id: {"items": [{"comment": "Rice was wet"}, {"comment": "Oil missing"}]}
    }
    source = odk_source(project, viewer, standin)
    shape = running.sample_fields(source)
    assert shape["repeats"] == {"items": ["comment"]}  # __id, __Submissions-id left out
    assert comment_fields(shape, {}) == ["items/comment"]

    joined = {**ODK_MAPPING, "more_text": ["items/comment"], "repeats": True}
    source = mapped(source, joined, viewer)
    assert (source.last_outcome, source.last_created) == ("ok", 2)
    record = imported(project).order_by("received_at").first()
    assert record is not None
    text = open_for_system(record, "content", purpose=SystemPurpose.READ_IMPORT) or ""
    assert "items/comment: Rice was wet\nOil missing" in text
    links = [p for m, p in standin.requests if m == "GET" and p.endswith("/items")]
    # The link as the submission gives it: its id URL-encoded.
    assert any(f"Submissions('{first_id.replace(':', '%3A')}')/items" in p for p in links)

    per_row = mapped(
        odk_source(project, viewer, standin),
        {
            "columns": {"content": "comment", "received_at": "submission/__system/submissionDate"},
            "sheets": {"base": "items", "with": ["submission"]},
            "repeats": True,
        },
        viewer,
    )
    assert (per_row.last_outcome, per_row.last_created) == ("ok", 2)
    visible = Feedback.objects.filter(project=project)
    rows = [f for f in visible if submission_of(f, visible) is not None]
    assert len(rows) == 2
    assert all(submission_of(f, visible) == record for f in rows)


def test_a_fetch_whose_matching_uses_no_repeat_asks_for_none(
    project: Project, personas: dict[str, User], standin: StandIn
) -> None:
    viewer = manager(personas, project)
    standin.odk = [odk_submission(1, T0)]
    source = mapped(odk_source(project, viewer, standin), {**ODK_MAPPING}, viewer)
    assert source.last_created == 1
    assert not [p for m, p in standin.requests if p.endswith("/items")]


def test_a_missing_repeat_table_is_a_problem_in_words(
    project: Project, personas: dict[str, User], standin: StandIn
) -> None:
    viewer = manager(personas, project)
    standin.odk = [odk_submission(1, T0)]
    standin.fail["/v1/projects/7/forms/feedback.svc/Submissions("] = 500
    source = mapped(odk_source(project, viewer, standin), {**ODK_MAPPING, "repeats": True}, viewer)
    assert (source.last_outcome, source.last_created) == ("server_error", 0)


def pulled_source(project: Project, personas: dict[str, User], standin: StandIn) -> Any:
    viewer = manager(personas, project)
    standin.kobo = [
        kobo_submission(1, T0, **{"group_feedback/type": "feedback"}),
        kobo_submission(2, T0 + timedelta(minutes=1), **{"group_feedback/type": "feedback"}),
        kobo_submission(3, T0 + timedelta(minutes=2), **{"group_feedback/type": "complaint"}),
    ]
    source = kobo_source(project, viewer, standin)
    actions.do_set_pull_fields(source, running.sample_fields(source), viewer)
    return source


def test_the_recoding_screen_for_a_pull_leaves_empty_and_is_editable_later(
    project: Project, personas: dict[str, User], client_as: ClientFor, standin: StandIn
) -> None:
    source = pulled_source(project, personas, standin)
    client = client_as("manager")
    mapping_url = reverse("imports:pull_mapping", args=[project.slug, source.pk])
    recodes_url = reverse("imports:pull_recodes", args=[project.slug, source.pk])
    response = client.post(
        mapping_url,
        {
            "col_content": "group_feedback/message",
            "col_received_at": "_submission_time",
            "col_type_code": "group_feedback/type",
            "date_order": "dmy",
            "time_zone": "America/Port-au-Prince",
        },
    )
    assert response["Location"] == recodes_url
    assert imported(project).count() == 0  # not before the recoding
    page = client.get(recodes_url)
    form = page.context["form"]
    by_value = {r.value: r for r in form.rows}
    assert set(by_value) == {"feedback", "complaint"}
    assert by_value["feedback"].unfit  # nothing fits: the person chooses
    assert form[by_value["complaint"].field].initial == "complaint"
    body = page.content.decode()
    assert "The water point" not in body  # no free text on the screen

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            recodes_url, {by_value["feedback"].field: "", by_value["complaint"].field: "complaint"}
        )
    assert response.status_code == 302
    made = imported(project).order_by("received_at")
    assert [f.type_code for f in made] == ["uncoded", "uncoded", "complaint"]  # left empty
    source.refresh_from_db()
    assert source.mapping["recodes"] == {"type_code": {"feedback": "", "complaint": "complaint"}}
    assert source.mapping["time_zone"] == "America/Port-au-Prince"
    assert AuditEvent.objects.filter(action="import.pull_recode").count() == 1

    # Editable later: a second save starts no fetch of its own.
    page = client.get(recodes_url)
    assert page.context["form"][by_value["feedback"].field].initial == ""
    response = client.post(
        recodes_url, {by_value["feedback"].field: "question", by_value["complaint"].field: ""}
    )
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.mapping["recodes"]["type_code"]["feedback"] == "question"


def test_bad_recode_input_is_a_400(
    project: Project, personas: dict[str, User], client_as: ClientFor, standin: StandIn
) -> None:
    source = pulled_source(project, personas, standin)
    viewer = manager(personas, project)
    actions.do_set_pull_mapping(
        source,
        {"columns": {"content": "group_feedback/message", "type_code": "group_feedback/type"}},
        viewer,
        start=False,
    )
    client = client_as("manager")
    recodes_url = reverse("imports:pull_recodes", args=[project.slug, source.pk])
    field = client.get(recodes_url).context["form"].rows[0].field
    response = client.post(recodes_url, {field: "not-a-code"})
    assert response.status_code == 400
    source.refresh_from_db()
    assert "recodes" not in source.mapping


def test_choosing_how_repeats_are_read(
    project: Project, personas: dict[str, User], client_as: ClientFor, standin: StandIn
) -> None:
    viewer = manager(personas, project)
    standin.kobo = kobo_with_repeats()
    source = kobo_source(project, viewer, standin)
    actions.do_set_pull_fields(source, running.sample_fields(source), viewer)
    client = client_as("manager")
    mapping_url = reverse("imports:pull_mapping", args=[project.slug, source.pk])
    repeats_url = reverse("imports:pull_repeats", args=[project.slug, source.pk])
    page = client.get(mapping_url)
    assert page.context["repeats"] == {"names": ["group_comments"], "base": "submission"}
    assert page.context["form"]["more_text"].initial == ["group_comments/comment"]

    assert client.post(repeats_url, {"base": "nope"}).status_code == 302
    source.refresh_from_db()
    assert "sheets" not in source.mapping
    client.post(repeats_url, {"base": "group_comments"})
    source.refresh_from_db()
    assert source.mapping["sheets"] == {"base": "group_comments", "with": ["submission"]}
    page = client.get(mapping_url)
    assert "submission/_submission_time" in page.context["fields"]
    assert "comment" in page.context["fields"]
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(
            mapping_url,
            {
                "col_content": "comment",
                "col_received_at": "submission/_submission_time",
                "date_order": "dmy",
            },
        )
    source.refresh_from_db()
    assert source.mapping["repeats"] is True
    assert source.last_created == 3


def test_a_pull_reads_times_without_zone_in_the_projects_zone(
    project: Project, personas: dict[str, User], standin: StandIn
) -> None:
    viewer = manager(personas, project)
    project.time_zone = "Asia/Kabul"  # +04:30
    project.save(update_fields=["time_zone"])
    standin.kobo = [kobo_submission(1, T0, start="2024-03-14T09:00:00")]
    source = mapped(
        kobo_source(project, viewer, standin),
        {"columns": {"content": "group_feedback/message", "received_at": "start"}},
        viewer,
    )
    record = imported(project).get()
    assert source.last_created == 1
    assert record.received_at.isoformat() == "2024-03-14T04:30:00+00:00"


@pytest.mark.parametrize("persona", ["operator", "officer", "protection", "manager", "partner"])
def test_the_record_pages_link_a_repeat_row_and_its_submission(
    project: Project,
    personas: dict[str, User],
    client_as: ClientFor,
    standin: StandIn,
    persona: str,
) -> None:
    viewer = manager(personas, project)
    standin.kobo = kobo_with_repeats()
    per_row = {
        "columns": {"content": "comment", "received_at": "submission/_submission_time"},
        "sheets": {"base": "group_comments", "with": ["submission"]},
        "repeats": True,
    }
    mapped(kobo_source(project, viewer, standin), per_row, viewer)
    mapped(kobo_source(project, viewer, standin), KOBO_MAPPING, viewer)
    everything = Feedback.objects.filter(project=project)
    rows = [f for f in everything if submission_of(f, everything) is not None]
    row = next(f for f in rows if f.received_at == T0)
    parent = submission_of(row, everything)
    assert parent is not None
    other_row = next(f for f in rows if f.received_at == T0 and f.pk != row.pk)

    client = client_as(persona)

    def page(record: Feedback) -> Any:
        return client.get(reverse("triage:detail", args=[project.slug, record.pk]))

    if persona in ("operator", "partner"):  # may not see records at all
        assert page(row).status_code == 404
        return
    body = page(row).content.decode()
    assert 'id="submission-links"' in body
    assert parent.reference in body
    body = page(parent).content.decode()
    assert row.reference in body
    assert other_row.reference in body

    # The submission made sensitive: only a role that may see it gets a link.
    Feedback.objects.filter(pk=parent.pk).update(sensitivity="sensitive")
    body = page(row).content.decode()
    if persona == "protection":
        assert parent.reference in body
    else:
        assert 'id="submission-record"' not in body
        assert parent.reference not in body
