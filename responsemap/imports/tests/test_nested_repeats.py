"""A repeat inside a repeat in an export's sheets (households → members): Kobo's
``_parent_table_name`` / ``_parent_index`` chains and ODK's ``PARENT_KEY`` → ``KEY``.
A member's row is keyed by its household's key and its place, linked to its
submission, and gets its own household's answers — never another's."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from responsemap.imports.reader import Table, read_tables
from responsemap.imports.sheets import PARENT_KEY, ROW_KEY, Lineage, combine, describe_sheets

U1, U2 = "0c4e0d52-0000-4000-8000-000000000001", "0c4e0d52-0000-4000-8000-000000000002"
MAIN = ["message", "_id", "_uuid", "_submission_time", "_index"]
HOUSEHOLDS = [
    "head", "_index", "_parent_table_name", "_parent_index",
    "_submission__id", "_submission__uuid",
]  # fmt: skip
MEMBERS = [
    "comment", "age", "_index", "_parent_table_name", "_parent_index",
    "_submission__id", "_submission__uuid",
]  # fmt: skip


def kobo_nested_xlsx(*, submission_columns: bool = True) -> bytes:
    """A KoboToolbox XLSX of a form with a repeat (households) inside which another
    repeat (members): each sheet's rows name their parent sheet and its ``_index``.
    ``submission_columns``: older exports had no ``_submission__*`` on repeat sheets."""
    book = Workbook()
    main = book.active
    main.title = "Household survey"
    main.append(MAIN)
    main.append(["Water point broken", 11, U1, "2024-03-14T13:31:00", 1])
    main.append(["Thanks", 12, U2, "2024-03-14T13:32:00", 2])
    drop = 0 if submission_columns else 2
    outer = book.create_sheet("households")
    outer.append(HOUSEHOLDS[: len(HOUSEHOLDS) - drop])
    for row in (
        ["Head A", 1, "Household survey", 1, 11, U1],
        ["Head B", 2, "Household survey", 1, 11, U1],
        ["Head C", 3, "Household survey", 2, 12, U2],
    ):
        outer.append(row[: len(row) - drop])
    inner = book.create_sheet("members")
    inner.append(MEMBERS[: len(MEMBERS) - drop])
    for row in (
        ["No tap", 34, 1, "households", 1, 11, U1],
        ["No soap", 8, 2, "households", 1, 11, U1],
        ["Long queue", 61, 3, "households", 2, 11, U1],
        ["All fine", 25, 4, "households", 3, 12, U2],
    ):
        inner.append(row[: len(row) - drop])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _column(table: Table, name: str) -> list[object]:
    i = table.headers.index(name)
    return [cells[i] for _n, cells in table.rows]


@pytest.mark.parametrize("submission_columns", [True, False])
def test_kobo_members_are_keyed_by_their_household_and_linked_to_the_submission(
    submission_columns: bool,
) -> None:
    tables = read_tables("xlsx", kobo_nested_xlsx(submission_columns=submission_columns))
    assert [s.repeat for s in describe_sheets(tables)] == [False, True, True]
    members = combine(tables, 2, [1, 0])
    assert _column(members, ROW_KEY) == [
        f"{U1}#households#1#members#1",
        f"{U1}#households#1#members#2",
        f"{U1}#households#2#members#1",
        f"{U2}#households#1#members#1",
    ]
    assert _column(members, PARENT_KEY) == [U1, U1, U1, U2]
    assert _column(members, "households/head") == ["Head A", "Head A", "Head B", "Head C"]
    assert _column(members, "Household survey/message") == [
        "Water point broken",
        "Water point broken",
        "Water point broken",
        "Thanks",
    ]
    # The households themselves keep their first-level key.
    assert _column(combine(tables, 1, [0]), ROW_KEY) == [
        f"{U1}#households#1",
        f"{U1}#households#2",
        f"{U2}#households#1",
    ]


@pytest.mark.parametrize("submission_columns", [True, False])
def test_kobo_members_join_their_submissions_row(submission_columns: bool) -> None:
    tables = read_tables("xlsx", kobo_nested_xlsx(submission_columns=submission_columns))
    joined = combine(tables, 0, [2])
    assert _column(joined, "members/comment") == ["No tap\nNo soap\nLong queue", "All fine"]


def test_odk_nested_rows_use_their_key_and_their_own_parent_row() -> None:
    """ODK (Central CSV zip, Briefcase): ``KEY`` is the row's path; ``PARENT_KEY`` the
    parent row's ``KEY`` — a household, for a member — not the submission's."""
    main = Table(
        headers=["message", "meta-instanceID", "KEY"],
        rows=[(2, ["Broken", "uuid:a1", "uuid:a1"])],
        name="survey",
    )
    outer = Table(
        headers=["head", "PARENT_KEY", "KEY"],
        rows=[
            (2, ["Head A", "uuid:a1", "uuid:a1/households[1]"]),
            (3, ["Head B", "uuid:a1", "uuid:a1/households[2]"]),
        ],
        name="survey-households",
    )
    inner = Table(
        headers=["comment", "PARENT_KEY", "KEY"],
        rows=[
            (2, ["No tap", "uuid:a1/households[1]", "uuid:a1/households[1]/members[1]"]),
            (3, ["Long queue", "uuid:a1/households[2]", "uuid:a1/households[2]/members[1]"]),
        ],
        name="survey-members",
    )
    tables = [main, outer, inner]
    lineage = Lineage(tables)
    assert lineage.chain((2, 1)) == [(1, 1), (0, 0)]
    members = combine(tables, 2, [1, 0])
    assert _column(members, ROW_KEY) == [
        "uuid:a1/households[1]/members[1]",
        "uuid:a1/households[2]/members[1]",
    ]
    assert _column(members, PARENT_KEY) == ["uuid:a1", "uuid:a1"]
    assert _column(members, "survey-households/head") == ["Head A", "Head B"]
    assert _column(members, "survey/message") == ["Broken", "Broken"]


def test_a_broken_chain_ends_without_a_loop() -> None:
    looped = Table(
        headers=["comment", "_index", "_parent_table_name", "_parent_index"],
        rows=[(2, ["a", "1", "other", "1"])],
        name="one",
    )
    other = Table(
        headers=["comment", "_index", "_parent_table_name", "_parent_index"],
        rows=[(2, ["b", "1", "one", "1"])],
        name="other",
    )
    lineage = Lineage([looped, other])
    assert lineage.chain((0, 0)) == [(1, 0)]
    assert combine([looped, other], 0, [1]).rows  # read, not stuck


def test_a_chain_through_many_rows_of_a_broken_file_stops_at_the_tables() -> None:
    # Each row of "one" names a row of "other" as its parent, which names the next row
    # of "one": a chain through every row. A real export's chain climbs a table at a
    # time, so it is never longer than the tables; past that it is broken and cut
    # (else every row's chain is the whole file, and reading it quadratic or worse).
    headers = ["comment", "_index", "_parent_table_name", "_parent_index"]
    n = 200
    one = Table(headers, [(i + 2, ["a", str(i), "other", str(i)]) for i in range(n)], name="one")
    other = Table(
        headers, [(i + 2, ["b", str(i), "one", str(i + 1)]) for i in range(n)], name="other"
    )
    lineage = Lineage([one, other])
    assert len(lineage.chain((0, 0))) <= 2
    assert combine([one, other], 0, [1]).rows
