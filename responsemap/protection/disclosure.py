"""Disclosure control for published counts: small-cell suppression with secondary
suppression, and an attack that checks no suppressed count can be worked out.

Generic: this module knows nothing about feedback. It takes counts (cells, each with a
key you choose) and the sums that tie them together (a table's total is the sum of its
rows; a region is the sum of its districts), and says which cells may be published.

API
---
``Table(name, counts, total=None, sensitive=False)``
    A one-way table: ``counts`` maps a category to its count; ``total`` is the key of
    the cell the categories sum to (several tables may share one total: "by type",
    "by sector" and "by area" of one month all sum to that month's total). Its cells'
    keys are ``(name, category)``.
``tables_to_problem(tables, totals)`` -> ``Problem``
    ``totals`` maps each total's key to its count. Builds the cells and sums.
``Problem(values, sums, sensitive, prefer)``
    The general form: ``values`` maps a cell's key (any hashable) to its count;
    ``sums`` is a list of ``Sum(total, parts)``: ``values[total] == Σ values[parts]``
    (a hierarchy is a sum per parent; a two-way table a sum per row and per column);
    ``sensitive`` is the set of keys held to the stricter threshold; ``prefer`` the
    keys secondary suppression hides first in a sum that needs one more hidden.
``protect(problem, rules=Rules())`` -> ``Protected``
    Primary suppression (below the threshold; ``Rules.threshold`` 5,
    ``Rules.sensitive_threshold`` 10; zeros: see below), then secondary suppression
    (each sum with a suppressed cell gets at least two, together at least the
    threshold, adding the smallest published part first, else the total), repeated to
    a fixed point, then checked by ``attack``; where the attack still recovers a cell,
    the sums holding it suppress one more part (if they are all hidden already, every
    sum with a hidden cell does) and the loop goes again (at worst everything ends
    suppressed, which the attack cannot recover). ``Protected.status``
    maps each key to ``PUBLISHED``, ``PRIMARY`` or ``SECONDARY``;
    ``Protected.published()`` gives the values shown (suppressed ones are ``None``).
``attack(problem_shape, published, sensitive, rules)`` -> ``list[Exposure]``
    What an adversary holding everything published can learn: the suppressed cells
    are non-negative unknowns, every sum an equation with the published values put in;
    for each primary-suppressed cell the smallest and largest value it can take
    (``scipy.optimize.linprog``). A cell is exposed when its interval is narrower than
    its threshold or its lower bound reaches the threshold. Use it on *everything*
    ever published together (every table, every period): differencing across tables
    or periods is a sum like any other.

Zeros
-----
A published 0 says nobody in that category wrote in; it describes no person, so in
ordinary cells a 0 is published. In sensitive cells a 0 is suppressed like a small
count (``Rules.suppress_sensitive_zeros``): otherwise "suppressed" would mean "at
least one", and the presence of one protection case in a small place is exactly what
must not show.

Limits (see docs/adr/0010-public-disclosure-control.md): the attack assumes the
adversary knows the sums and non-negativity, not the suppression rule itself
(knowing "this cell was suppressed first, so it is below 5" narrows an interval to
[0, 4] but never to a single value); it protects counts, not attributes (a published
table in which one category holds everyone says everyone is in it).
"""

from __future__ import annotations

import enum
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

Key = Hashable


class Status(enum.Enum):
    PUBLISHED = "published"
    PRIMARY = "primary"  # below its threshold
    SECONDARY = "secondary"  # suppressed so a primary one can't be worked out

    @property
    def suppressed(self) -> bool:
        return self is not Status.PUBLISHED


@dataclass(frozen=True)
class Rules:
    threshold: int = 5
    sensitive_threshold: int = 10
    suppress_sensitive_zeros: bool = True

    def __post_init__(self) -> None:
        if self.threshold < 1 or self.sensitive_threshold < self.threshold:
            raise ValueError("thresholds: 1 <= threshold <= sensitive_threshold")

    def threshold_of(self, key: Key, sensitive: frozenset[Key] | set[Key]) -> int:
        return self.sensitive_threshold if key in sensitive else self.threshold


@dataclass(frozen=True)
class Sum:
    """``total`` is the sum of ``parts`` (all cell keys)."""

    total: Key
    parts: tuple[Key, ...]


@dataclass
class Problem:
    values: dict[Key, int]
    sums: list[Sum]
    sensitive: frozenset[Key] = field(default_factory=frozenset)
    # Cells to hide first when a sum needs one more hidden (before its smallest part):
    # a grand total whose parts each carry tables of their own, say.
    prefer: frozenset[Key] = field(default_factory=frozenset)

    def check(self) -> None:
        """Raises ValueError when a count is negative or a sum doesn't add up."""
        for key, value in self.values.items():
            if value < 0:
                raise ValueError(f"negative count for {key!r}")
        for total in self.sums:
            if self.values[total.total] != sum(self.values[p] for p in total.parts):
                raise ValueError(f"the parts of {total.total!r} don't add up to it")


@dataclass(frozen=True)
class Table:
    """A one-way table of ``counts`` by category, summing to the cell ``total``."""

    name: str
    counts: Mapping[str, int]
    total: Key | None = None
    sensitive: bool = False

    def key(self, category: str) -> tuple[str, str]:
        return (self.name, category)


def tables_to_problem(tables: Iterable[Table], totals: Mapping[Key, int]) -> Problem:
    values: dict[Key, int] = dict(totals)
    sums: list[Sum] = []
    sensitive: set[Key] = set()
    for table in tables:
        keys = tuple(table.key(category) for category in table.counts)
        for category, count in table.counts.items():
            values[table.key(category)] = count
        if table.sensitive:
            sensitive.update(keys)
            if table.total is not None:
                sensitive.add(table.total)
        if table.total is not None:
            sums.append(Sum(table.total, keys))
    problem = Problem(values, sums, frozenset(sensitive))
    problem.check()
    return problem


@dataclass(frozen=True)
class Exposure:
    """A suppressed cell an adversary can narrow too far: its interval [low, high]."""

    key: Key
    low: float
    high: float
    threshold: int


@dataclass
class Protected:
    problem: Problem
    status: dict[Key, Status]
    rules: Rules

    def published(self) -> dict[Key, int | None]:
        """Every cell's value, ``None`` where suppressed."""
        return {
            key: (None if self.status[key].suppressed else value)
            for key, value in self.problem.values.items()
        }

    def suppressed(self) -> set[Key]:
        return {key for key, status in self.status.items() if status.suppressed}


def _primary(problem: Problem, rules: Rules) -> dict[Key, Status]:
    status: dict[Key, Status] = {}
    for key, value in problem.values.items():
        threshold = rules.threshold_of(key, problem.sensitive)
        small = value < threshold and (
            value > 0 or (rules.suppress_sensitive_zeros and key in problem.sensitive)
        )
        status[key] = Status.PRIMARY if small else Status.PUBLISHED
    return status


def _needed(problem: Problem, rules: Rules, status: dict[Key, Status], total: Sum) -> int:
    """The threshold the suppressed cells of a sum must reach together."""
    members = (total.total, *total.parts)
    return max(
        (rules.threshold_of(k, problem.sensitive) for k in members if status[k] is Status.PRIMARY),
        default=rules.threshold,
    )


def _suppress_one_more(problem: Problem, status: dict[Key, Status], total: Sum) -> bool:
    """Suppress a preferred cell of the sum (``Problem.prefer``), else the smallest
    published part (non-zero first), else the total."""
    preferred = [
        k for k in (total.total, *total.parts) if k in problem.prefer and not status[k].suppressed
    ]
    if preferred:
        status[min(preferred, key=lambda k: problem.values[k])] = Status.SECONDARY
        return True
    candidates = [p for p in total.parts if not status[p].suppressed]
    if candidates:
        chosen = min(candidates, key=lambda p: (problem.values[p] == 0, problem.values[p]))
        status[chosen] = Status.SECONDARY
        return True
    if not status[total.total].suppressed:
        status[total.total] = Status.SECONDARY
        return True
    return False


def _secondary(problem: Problem, rules: Rules, status: dict[Key, Status]) -> None:
    changed = True
    while changed:
        changed = False
        for total in problem.sums:
            members = (total.total, *total.parts)
            hidden = [k for k in members if status[k].suppressed]
            if not hidden:
                continue
            if not status[total.total].suppressed:
                hidden_parts = [p for p in total.parts if status[p].suppressed]
                short = len(hidden_parts) < 2 or sum(
                    problem.values[p] for p in hidden_parts
                ) < _needed(problem, rules, status, total)
            else:
                short = len(hidden) < 2
            if short and _suppress_one_more(problem, status, total):
                changed = True


def protect(problem: Problem, rules: Rules | None = None) -> Protected:
    """Which cells of ``problem`` may be published (see the module's docstring)."""
    rules = rules or Rules()
    problem.check()
    status = _primary(problem, rules)
    while True:
        _secondary(problem, rules, status)
        result = Protected(problem, status, rules)
        exposures = attack(problem.sums, result.published(), status, problem.sensitive, rules)
        if not exposures:
            return result
        progress = False
        exposed = {e.key for e in exposures}
        for total in problem.sums:
            if exposed & {total.total, *total.parts}:
                progress = _suppress_one_more(problem, status, total) or progress
        if not progress:
            # The sums holding an exposed cell are all hidden, yet others pin it down
            # through their shared cells (a grand total known from a second set of
            # parts): hide one more part of every sum that already hides one.
            for total in problem.sums:
                members = (total.total, *total.parts)
                if any(status[k].suppressed for k in members):
                    progress = _suppress_one_more(problem, status, total) or progress
        if not progress:  # pragma: no cover - everything suppressed is never exposed
            raise RuntimeError("disclosure control could not protect every cell")


def attack(
    sums: Sequence[Sum],
    published: Mapping[Key, int | None],
    status: Mapping[Key, Status],
    sensitive: frozenset[Key] | set[Key],
    rules: Rules,
) -> list[Exposure]:
    """Every primary-suppressed cell an adversary holding ``published`` (``None`` for
    a suppressed cell) and the ``sums`` can pin down (see the module's docstring)."""
    from responsemap.protection.disclosure_attack import intervals

    targets = [k for k, s in status.items() if s is Status.PRIMARY]
    if not targets:
        return []
    bounds = intervals(sums, published, targets)
    exposures = []
    for key in targets:
        low, high = bounds[key]
        threshold = rules.threshold_of(key, sensitive)
        if high - low < threshold or low >= threshold:
            exposures.append(Exposure(key, low, high, threshold))
    return exposures
