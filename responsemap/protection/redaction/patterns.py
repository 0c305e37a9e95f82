"""A project's own ID-number patterns: checked when saved, bounded when run.

A manager types these regular expressions and each one runs on every message. A pattern
with nested or ambiguous repetition ("(a+)+$", "(\\d|\\d\\d)+$") can take exponential
time on an unlucky message, or one written to stall the worker. Two guards:

* Saved (``check_id_pattern``): at most ``MAX_PATTERN`` characters; it compiles; no
  back-reference; no repeated group that itself repeats a varying number of times or holds
  alternatives; no count over ``MAX_COUNT``; it does not match empty text; and it gets
  through worst-case texts (long runs of the characters it takes, ended by one it does
  not) within ``CHECK_BUDGET`` seconds each, as timed by the ``regex`` engine itself.
* Run (``find_ids``): the ``regex`` engine with a time limit per pattern per message
  (``RUN_TIMEOUT``). A pattern that runs out is skipped for that message: the rest of
  redaction still runs, the matches it found before the limit are kept, and the caller is
  told which pattern ran out (the pattern, never the text) so the manager can see a count.
  Patterns saved before these checks existed still run, under the same limit.

The static checks read the pattern with the standard library's own parser
(``re._parser``, private but the one ``re`` compiles with); the ``regex`` engine runs it.
A pattern must therefore be valid for both, which the ``re`` syntax of the help text is.
"""

from __future__ import annotations

import re
import re._parser as sre_parse  # no public parser; see the header
import time
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

import regex
from django.utils.translation import gettext_lazy as _

__all__ = [
    "CHECK_BUDGET",
    "MAX_COUNT",
    "MAX_PATTERN",
    "RUN_TIMEOUT",
    "REFUSALS",
    "PatternRefused",
    "check_id_pattern",
    "compile_id_patterns",
    "find_ids",
]

MAX_PATTERN = 120
MAX_COUNT = 64
# Seconds one pattern may take on one message. A legitimate ID pattern takes well under
# a millisecond on the longest message; the limit only ever stops a runaway one.
RUN_TIMEOUT = 0.05
# Seconds one worst-case text may take when a pattern is saved.
CHECK_BUDGET = 0.05
# CPU seconds all the worst-case texts of one pattern may take together: a pattern just
# under ``CHECK_BUDGET`` on each of its ~140 texts would otherwise hold a request for 7 s.
CHECK_TOTAL_CPU = 1.0
# The longest text a pattern meets: the public form's limit (an SMS is shorter).
WORST_CASE_LENGTH = 5000

_REPEATS = {"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"}
_BACKREFS = {"GROUPREF", "GROUPREF_EXISTS", "GROUPREF_IGNORE", "GROUPREF_LOC_IGNORE"}
_UNBOUNDED = sre_parse.MAXREPEAT


# Why a pattern is refused, in words a manager reads (after "this pattern can't be used:").
REFUSALS = {
    "too_long": _("it is longer than %(max)d characters."),
    "invalid": _("it is not a valid regular expression."),
    "backreference": _("it refers back to a group (\\1); write the characters out."),
    "count": _("it repeats something more than %(max)d times."),
    "nested": _(
        "a repeated group repeats inside, as in (\\d+)+, which can take hours on one "
        "message; write it with one repetition, e.g. \\d+."
    ),
    "alternatives": _(
        "a repeated group holds alternatives, as in (\\d|\\d\\d)+, which can take hours on "
        "one message; use a character class, e.g. [0-9A-Z]+."
    ),
    "empty": _("it matches empty text; an ID number has at least one character."),
    "slow": _(
        "it is too slow on a long message; anchor it on fixed characters and avoid .* "
        "and overlapping repetitions."
    ),
}


class PatternRefused(ValueError):
    """Why a pattern is refused: ``code`` for callers and tests, ``reason`` in English
    for logs, ``words`` for a screen."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason

    @property
    def words(self) -> str:
        limit = MAX_PATTERN if self.code == "too_long" else MAX_COUNT
        words = str(REFUSALS[self.code]) % {"max": limit}
        # The engine's own detail ("missing ), unterminated subpattern") helps to fix it.
        return f"{words} ({self.reason})" if self.code == "invalid" else words


def wrapped(pattern: str) -> str:
    """The pattern as it runs: a whole token, not the middle of a longer number."""
    return rf"(?<!\w)(?<!\d[-.])(?:{pattern})(?!\w)(?![-.]\d)"


@lru_cache(maxsize=512)  # bounded: the screen's checks compile whatever is typed
def compile_id_patterns(patterns: tuple[str, ...]) -> tuple[Any, ...]:
    """Each pattern compiled for the ``regex`` engine (ValueError if one does not
    compile). Not the save-time checks: a stored pattern always loads, and runs under
    the time limit."""
    compiled = []
    for pattern in patterns:
        try:
            re.compile(pattern)
            compiled.append(regex.compile(wrapped(pattern)))
        except (re.error, regex.error) as exc:
            raise ValueError(f"invalid ID pattern {pattern!r}: {exc}") from exc
    return tuple(compiled)


def find_ids(
    text: str,
    patterns: tuple[str, ...],
    *,
    timeout: float = RUN_TIMEOUT,
    on_timeout: Callable[[str], None] | None = None,
) -> list[tuple[int, int]]:
    """(start, end) of every non-empty match of each pattern in ``text``, each pattern
    under ``timeout`` seconds; a pattern that runs out keeps what it found before and is
    passed to ``on_timeout``."""
    found: list[tuple[int, int]] = []
    for pattern, compiled in zip(patterns, compile_id_patterns(patterns), strict=True):
        try:
            for m in compiled.finditer(text, timeout=timeout):
                if m.end() > m.start():
                    found.append((m.start(), m.end()))
        except TimeoutError:
            if on_timeout is not None:
                on_timeout(pattern)
    return found


def check_id_pattern(
    pattern: str, *, budget: float = CHECK_BUDGET, shape_only: bool = False
) -> None:
    """Raises ``PatternRefused`` if ``pattern`` may not be saved as an ID pattern;
    ``shape_only``: without the worst-case texts (cheap enough for every page view)."""
    if len(pattern) > MAX_PATTERN:
        raise PatternRefused("too_long", f"longer than {MAX_PATTERN} characters")
    try:
        tree = sre_parse.parse(pattern)
        compiled = compile_id_patterns((pattern,))[0]
    except (re.error, regex.error, ValueError, RecursionError, OverflowError) as exc:
        reason = str(exc).split(": ", 1)[-1]
        raise PatternRefused("invalid", reason) from None
    _check_tree(list(tree), inside_repeat=False)
    if regex.fullmatch(pattern, "", timeout=budget) is not None:
        raise PatternRefused("empty", "matches empty text")
    started = time.process_time()
    for text in () if shape_only else _worst_cases(pattern):
        try:
            for _m in compiled.finditer(text, timeout=budget):
                pass
        except TimeoutError:
            raise PatternRefused("slow", "too slow on a long text") from None
        if time.process_time() - started > CHECK_TOTAL_CPU:
            raise PatternRefused("slow", "too slow on long texts")


def _check_tree(items: Iterable[tuple[Any, Any]], *, inside_repeat: bool) -> None:
    for op, av in items:
        name = str(op)
        if name in _BACKREFS:
            raise PatternRefused("backreference", "refers back to a group")
        if name in _REPEATS:
            low, high, body = av
            if low > MAX_COUNT or (high is not _UNBOUNDED and high > MAX_COUNT):
                raise PatternRefused("count", f"a count over {MAX_COUNT}")
            if inside_repeat and low != high:
                raise PatternRefused("nested", "a repeated group repeats inside")
            _check_tree(list(body), inside_repeat=inside_repeat or high is _UNBOUNDED or high > 1)
        elif name == "BRANCH":
            if inside_repeat:
                raise PatternRefused("alternatives", "a repeated group holds alternatives")
            for branch in av[1]:
                _check_tree(list(branch), inside_repeat=inside_repeat)
        elif name == "SUBPATTERN":
            _check_tree(list(av[-1]), inside_repeat=inside_repeat)
        elif name in ("ASSERT", "ASSERT_NOT"):
            _check_tree(list(av[1]), inside_repeat=inside_repeat)
        elif name == "ATOMIC_GROUP":
            _check_tree(list(av), inside_repeat=inside_repeat)


# Characters to build worst cases from, besides the pattern's own literals: a digit, a
# letter of each case, a space and the separators ID numbers use.
_PROBES = "1aA -/."


def _worst_cases(pattern: str) -> list[str]:
    """Long runs of one or two characters the pattern may take, each ended by one it
    likely does not: where backtracking runs away, if it can."""
    alphabet = list(dict.fromkeys(_PROBES + "".join(_literals(pattern))))[:16]
    units = [*alphabet, *(a + b for i, a in enumerate(alphabet) for b in alphabet[i + 1 :])]
    return [unit * (WORST_CASE_LENGTH // len(unit)) + "\u2603" for unit in units]


def _literals(pattern: str) -> list[str]:
    return [ch for ch in pattern if ch.isalnum() or ch in "-_/.#:"]
