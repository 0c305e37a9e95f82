"""ID patterns that cannot run away: refused when saved if their shape can backtrack
without end, and bounded when run. No test here times the machine: runaway shapes are
refused by reading the pattern, and the time limits are injected (a limit of 0 runs out
on any text, as the ``regex`` engine measures it)."""

from __future__ import annotations

import pytest

from responsemap.protection.redaction import RedactionPolicy, find_pii, redact
from responsemap.protection.redaction.patterns import (
    MAX_PATTERN,
    PatternRefused,
    check_id_pattern,
    find_ids,
)

# Generous: these tests are about the shapes, not the machine.
NO_HURRY = 30.0

RUNAWAY = {
    "(a+)+$": "nested",
    "(\\d+)*x": "nested",
    "(.*a){12}": "nested",
    "([A-Z]+\\d*)+!": "nested",
    "(?:\\d?\\d?)+$": "nested",
    "(a|aa)+$": "alternatives",
    "(\\d|\\d\\d)+$": "alternatives",
    "(?:AB|A)*C": "alternatives",
    "(\\d)\\1+": "backreference",
    "\\d{1000}": "count",
    "\\d*": "empty",
    "x" * (MAX_PATTERN + 1): "too_long",
    "([0-9]": "invalid",
}


@pytest.mark.parametrize(("pattern", "code"), RUNAWAY.items(), ids=list(RUNAWAY))
def test_a_runaway_or_broken_pattern_is_refused_with_its_reason(pattern: str, code: str) -> None:
    with pytest.raises(PatternRefused) as refused:
        check_id_pattern(pattern, budget=NO_HURRY)
    assert refused.value.code == code
    assert refused.value.words  # words for the screen


@pytest.mark.parametrize(
    "pattern",
    [
        "\\d{8}",
        "[A-Z]{3}-\\d{2}C\\d{5}",
        "HT/R/\\d+",
        "(?:NIN|CN)\\d{9}",
        "\\d{3}(?:-\\d{3}){2}",
        "(?:-\\d{2}){3}",
        "(\\d{2})+",
        "RC\\d{4,10}",
    ],
)
def test_ordinary_id_patterns_pass(pattern: str) -> None:
    check_id_pattern(pattern, budget=NO_HURRY)


def test_a_pattern_over_its_time_on_a_worst_case_text_is_refused() -> None:
    # The engine's own limit: 0 runs out on any text, so no pattern passes.
    with pytest.raises(PatternRefused) as refused:
        check_id_pattern("\\d{8}", budget=0.0)
    assert refused.value.code == "slow"


def test_a_pattern_out_of_time_is_skipped_and_reported_without_the_text() -> None:
    text = "Ticket zz7781 at the gate, call +509 3712 3456"
    reported: list[str] = []
    policy = RedactionPolicy(country="HT", id_patterns=("zz\\d{4}",))
    assert redact(text, policy) == "Ticket [ID] at the gate, call [PHONE]"
    bounded = RedactionPolicy(
        country="HT",
        id_patterns=("zz\\d{4}",),
        id_pattern_timeout=0.0,
        on_id_pattern_timeout=reported.append,
    )
    # Left out for this message; every other rule still ran.
    assert redact(text, bounded) == "Ticket zz7781 at the gate, call [PHONE]"
    assert reported == ["zz\\d{4}"]


def test_each_pattern_has_its_own_limit_and_matches_found_before_are_kept() -> None:
    reported: list[str] = []
    found = find_ids("A1 B2", ("A\\d", "B\\d"), timeout=NO_HURRY, on_timeout=reported.append)
    assert found == [(0, 2), (3, 5)]
    assert not reported
    assert find_ids("A1 B2", ("A\\d",), timeout=0.0, on_timeout=reported.append) == []
    assert reported == ["A\\d"]


def test_a_policy_that_is_not_told_still_redacts() -> None:
    policy = RedactionPolicy(country="HT", id_patterns=("zz\\d{4}",), id_pattern_timeout=0.0)
    spans = find_pii("ticket zz7781, mail jo@example.org", policy)
    assert [s.kind for s in spans] == ["EMAIL"]


def test_a_stored_pattern_refused_by_the_checks_still_loads_and_runs_bounded() -> None:
    # Saved before the checks existed: the worker must not fail on it.
    policy = RedactionPolicy(country="HT", id_patterns=("(a|aa)+$",), id_pattern_timeout=0.0)
    assert redact("aaaa", policy) == "aaaa"


def test_the_shape_alone_is_checked_without_the_worst_case_texts() -> None:
    check_id_pattern("\\d{8}", budget=0.0, shape_only=True)  # no text run, so no limit hit
    with pytest.raises(PatternRefused):
        check_id_pattern("(a+)+$", shape_only=True)


def test_a_pattern_slow_on_all_its_texts_together_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each worst-case text under its own limit, but together over the CPU budget: refused
    (a manager's save can't hold the request for seconds). No clock is read for real:
    the budget is set below zero."""
    from responsemap.protection.redaction import patterns

    monkeypatch.setattr(patterns, "CHECK_TOTAL_CPU", -1.0)
    with pytest.raises(patterns.PatternRefused):
        patterns.check_id_pattern(r"\d{3}-\d{4}")
    patterns.check_id_pattern(r"\d{3}-\d{4}", shape_only=True)  # no texts: no budget
