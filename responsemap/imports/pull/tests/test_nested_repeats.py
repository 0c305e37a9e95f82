"""A repeat inside a repeat through the APIs (members of each household): Kobo's lists
inside a list's items, ODK Central's navigation links on a repeat table's rows. Each
inner row is keyed by its parent row's key and its place, linked to its submission."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest

from responsemap.accounts.models import User
from responsemap.imports.form_models import SubmissionLink
from responsemap.imports.pull import clients, running
from responsemap.imports.pull.repeats import chosen_table, headers_for, tables_of
from responsemap.imports.pull.tests.standin import StandIn, kobo_submission, odk_submission
from responsemap.imports.pull.tests.test_pull import (
    T0,
    imported,
    kobo_source,
    manager,
    mapped,
    odk_source,
    pull_now,
)
from responsemap.imports.sheets import PARENT_KEY, ROW_KEY
from responsemap.imports.submissions import submission_of
from responsemap.projects.models import Project
from responsemap.protection.present import open_for_system
from responsemap.protection.system_opens import SystemPurpose
from responsemap.triage.models import Feedback

pytestmark = pytest.mark.django_db
PER_MEMBER = {"base": "members", "with": ["households", "submission"]}


def households(*heads: tuple[str, list[str]]) -> list[dict[str, Any]]:
    """Kobo's JSON: each household's members a list inside it, keys the full path."""
    return [
        {
            "households/head": head,
            "households/members": [
                {"households/members/comment": c, "households/members/need": "water"}
                for c in comments
            ],
        }
        for head, comments in heads
    ]


def kobo_nested() -> list[dict[str, Any]]:
    return [
        kobo_submission(
            1,
            T0,
            households=households(("Head A", ["No tap", "No soap"]), ("Head B", ["Long queue"])),
        ),
        kobo_submission(2, T0 + timedelta(minutes=1), households=households(("Head C", []))),
    ]


def test_kobo_nested_rows_are_keyed_by_their_parents_key_and_place() -> None:
    submissions = [clients.KoboServer._submission(row) for row in kobo_nested()]
    first = submissions[0]
    assert [r["head"] for r in first.repeats["households"]] == ["Head A", "Head B"]
    assert [r["comment"] for r in first.repeats["members"]] == [
        "No tap",
        "No soap",
        "Long queue",
    ]
    table = chosen_table(tables_of(submissions), PER_MEMBER)
    column = {h: i for i, h in enumerate(table.headers)}
    rows = [cells for _n, cells in table.rows]
    uuid = first.uuid
    assert [r[column[ROW_KEY]] for r in rows] == [
        f"{uuid}#households#1#members#1",
        f"{uuid}#households#1#members#2",
        f"{uuid}#households#2#members#1",
    ]
    assert {r[column[PARENT_KEY]] for r in rows} == {uuid}
    # Each member gets its own household's answers, and its submission's.
    assert [r[column["households/head"]] for r in rows] == ["Head A", "Head A", "Head B"]
    assert {r[column["submission/respondent/gender"]] for r in rows} == {"female"}
    # A first-level repeat keeps its key (uuid, repeat, place), as before.
    outer = chosen_table(tables_of(submissions), {"base": "households", "with": ["submission"]})
    keys = [cells[outer.headers.index(ROW_KEY)] for _n, cells in outer.rows]
    assert keys[:2] == [f"{uuid}#households#1", f"{uuid}#households#2"]


def test_kobo_nested_rows_become_records_linked_to_their_submission(
    project: Project, personas: dict[str, User], standin: StandIn
) -> None:
    viewer = manager(personas, project)
    standin.kobo = kobo_nested()
    source = kobo_source(project, viewer, standin)
    shape = running.sample_fields(source)
    assert shape["repeats"]["members"] == ["comment", "need"]  # no linking column
    per_member = headers_for(shape, PER_MEMBER)
    assert per_member[:2] == ["comment", "need"]
    assert "households/head" in per_member
    assert not any(
        h.endswith(("_index", "_parent_table_name", "_parent_place")) for h in per_member
    )

    mapping = {
        "columns": {
            "content": "comment",
            "received_at": "submission/_submission_time",
            "gender": "submission/respondent/gender",
        },
        "more_text": ["households/head"],
        "sheets": PER_MEMBER,
        "repeats": True,
    }
    source = mapped(source, mapping, viewer)
    assert (source.last_outcome, source.last_created, source.last_failed) == ("ok", 3, 0)
    texts = sorted(
        open_for_system(f, "content", purpose=SystemPurpose.READ_IMPORT) or ""
        for f in imported(project)
    )
    assert texts[0].startswith("Long queue")
    assert "Head B" in texts[0]
    assert SubmissionLink.objects.filter(project=project).count() == 3
    # Fetched again: each member once.
    source = pull_now(source, viewer)
    assert (source.last_created, source.last_skipped) == (0, 3)


def test_odk_nested_repeat_tables_are_read_by_their_rows_links(
    project: Project, personas: dict[str, User], standin: StandIn
) -> None:
    viewer = manager(personas, project)
    first = odk_submission(1, T0)
    link = f"Submissions('{quote(first['__id'], safe='')}')/households"
    first["households@odata.navigationLink"] = link
    standin.odk = [first, odk_submission(2, T0 + timedelta(minutes=1))]
    standin.odk_repeats = {
        first["__id"]: {
            "households": [
                {"head": "Head A", "members": [{"comment": "No tap"}, {"comment": "No soap"}]},
                {"head": "Head B", "members": [{"comment": "Long queue"}]},
            ]
        }
    }
    source = odk_source(project, viewer, standin)
    shape = running.sample_fields(source)
    assert shape["repeats"]["households"] == ["head"]
    assert shape["repeats"]["members"] == ["comment"]  # __id and the parent's id left out

    mapping = {
        "columns": {
            "content": "comment",
            "received_at": "submission/__system/submissionDate",
        },
        "more_text": ["households/head"],
        "sheets": PER_MEMBER,
        "repeats": True,
    }
    source = mapped(source, mapping, viewer)
    assert (source.last_outcome, source.last_created, source.last_failed) == ("ok", 3, 0)
    nested = [p for m, p in standin.requests if m == "GET" and p.endswith("/members")]
    assert len(set(nested)) == 2  # one per household row
    texts = {
        (open_for_system(f, "content", purpose=SystemPurpose.READ_IMPORT) or "").split("\n")[0]
        for f in imported(project)
    }
    assert texts == {"No tap", "No soap", "Long queue"}

    # The submission's own record, from a source reading the submissions.
    mapped(
        odk_source(project, viewer, standin),
        {"columns": {"content": "feedback/message", "received_at": "__system/submissionDate"}},
        viewer,
    )
    visible = Feedback.objects.filter(project=project)
    parents = {submission_of(f, visible) for f in visible if submission_of(f, visible)}
    assert len(parents) == 1
    source = pull_now(source, viewer)
    assert (source.last_created, source.last_skipped) == (0, 3)
