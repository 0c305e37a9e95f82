"""Areas typed as a simple list: P-codes, parents by indentation or "Parent > Child",
empty lines skipped, every mistake named with its line."""

from __future__ import annotations

import pytest

from responsemap.projects.creation.area_list import AreaListError, parse_area_list

LIST = """Ouest | HT01
  Port-au-Prince | HT0111
  Léogâne

Sud > Les Cayes | HT0711
Ouest > Gressier
"""


def test_a_list_with_codes_indentation_and_paths() -> None:
    areas = [(a.name, a.pcode, a.level, a.parent) for a in parse_area_list(LIST)]
    assert areas == [
        ("Ouest", "HT01", 1, None),
        ("Port-au-Prince", "HT0111", 2, 0),
        ("Léogâne", "LIST-001", 2, 0),
        ("Sud", "LIST-002", 1, None),  # named as a parent: made too
        ("Les Cayes", "HT0711", 2, 3),
        ("Gressier", "LIST-003", 2, 0),  # under the Ouest listed above
    ]


def test_tabs_indent_too() -> None:
    areas = parse_area_list("Ouest\n\tLéogâne\n\t\tDarbonne\nSud")
    assert [(a.name, a.level, a.parent) for a in areas] == [
        ("Ouest", 1, None),
        ("Léogâne", 2, 0),
        ("Darbonne", 3, 1),
        ("Sud", 1, None),
    ]


def test_an_empty_list_is_no_area() -> None:
    assert parse_area_list("") == []
    assert parse_area_list("\n   \n\t\n") == []


def test_a_made_code_never_takes_one_listed() -> None:
    areas = parse_area_list("A | LIST-001\nB")
    assert [a.pcode for a in areas] == ["LIST-001", "LIST-002"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("  Ouest", "Line 1 is indented but no area above it is its parent."),
        ("Ouest | HT01\nSud | ht01", "Line 2: P-code ht01 is already on line 1."),
        ("Ouest\nOuest", "Line 2: Ouest is listed twice under the same parent."),
        ("Ouest\n  Léogâne\n  léogâne", "Line 3: léogâne is listed twice"),
        ("Ouest > ", "Line 1: an area has no name."),
        ("Ouest | HT 01", "Line 1: the P-code after the bar must be letters and digits."),
        ("Ouest | ", "Line 1: the P-code after the bar"),
        ("Ouest | " + "X" * 33, "a P-code has at most 32 characters"),
        ("O" * 201, "Line 1: a name has at most 200 characters."),
        ("A\n" * 2001, "At most 2000 lines."),
    ],
)
def test_mistakes_are_named_by_line(text: str, words: str) -> None:
    with pytest.raises(AreaListError) as raised:
        parse_area_list(text)
    assert any(words in problem for problem in raised.value.problems), raised.value.problems


def test_every_mistake_is_listed_at_once() -> None:
    with pytest.raises(AreaListError) as raised:
        parse_area_list("  a\nB | x y\nC\nC")
    assert len(raised.value.problems) == 3
