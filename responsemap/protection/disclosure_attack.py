"""The adversary of ``protection.disclosure``: how far the published counts pin down
each suppressed one.

Every sum ``total = Σ parts`` is a linear equation; published cells are constants,
suppressed cells non-negative unknowns. For each target cell, two linear programs
(``scipy.optimize.linprog``, HiGHS) give the smallest and the largest value it can
take; ``high`` is ``math.inf`` when nothing bounds it. The unknowns are split into
independent groups first (cells that share no sum, directly or through others), so
each program stays small however many tables and periods are attacked together.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any, Protocol

import numpy as np
from scipy.optimize import linprog

Key = Hashable


class _SumLike(Protocol):
    @property
    def total(self) -> Any: ...
    @property
    def parts(self) -> tuple[Any, ...]: ...


def _groups(unknowns: list[Key], equations: list[list[Key]]) -> list[set[Key]]:
    parent = {k: k for k in unknowns}

    def find(k: Key) -> Key:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for keys in equations:
        for other in keys[1:]:
            a, b = find(keys[0]), find(other)
            if a != b:
                parent[a] = b
    grouped: dict[Key, set[Key]] = {}
    for k in unknowns:
        grouped.setdefault(find(k), set()).add(k)
    return list(grouped.values())


def intervals(
    sums: Sequence[_SumLike], published: Mapping[Key, int | None], targets: Iterable[Key]
) -> dict[Key, tuple[float, float]]:
    """``{target: (low, high)}`` for each suppressed target cell."""
    rows: list[tuple[dict[Key, int], float]] = []  # coefficients of unknowns, constant
    for total in sums:
        coefficients: dict[Key, int] = {}
        constant = 0.0
        for key, sign in ((total.total, 1), *((p, -1) for p in total.parts)):
            value = published[key]
            if value is None:
                coefficients[key] = coefficients.get(key, 0) + sign
            else:
                constant -= sign * value
        if coefficients:
            rows.append((coefficients, constant))
        elif constant != 0:
            raise ValueError(f"published cells of {total.total!r} don't add up")
    unknowns = sorted({k for c, _ in rows for k in c} | set(targets), key=repr)
    groups = _groups(unknowns, [list(c) for c, _ in rows])
    result: dict[Key, tuple[float, float]] = {}
    wanted = set(targets)
    for group in groups:
        if not group & wanted:
            continue
        order = sorted(group, key=repr)
        index = {k: i for i, k in enumerate(order)}
        mine = [(c, b) for c, b in rows if next(iter(c)) in group]
        a_eq = np.zeros((len(mine), len(order)))
        b_eq = np.zeros(len(mine))
        for r, (coefficients, constant) in enumerate(mine):
            for key, coefficient in coefficients.items():
                a_eq[r, index[key]] = coefficient
            b_eq[r] = constant
        for key in order:
            if key not in wanted:
                continue
            objective = np.zeros(len(order))
            objective[index[key]] = 1.0
            low = _solve(objective, a_eq, b_eq) if mine else 0.0
            high = _solve(-objective, a_eq, b_eq) if mine else None
            result[key] = (low or 0.0, math.inf if high is None else -high)
    return result


def _solve(objective: Any, a_eq: Any, b_eq: Any) -> float | None:
    """The minimum of ``objective · x`` (``None`` when unbounded below)."""
    outcome = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    if outcome.status == 3:
        return None
    if outcome.status != 0:
        raise ValueError(f"the published counts are inconsistent ({outcome.message})")
    return float(round(outcome.fun, 6))
