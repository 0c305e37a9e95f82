"""Timing and the results table."""

from __future__ import annotations

import cProfile
import gc
import io
import pstats
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from benchmarks._env import REPO_ROOT

TARGET = 0.50


@dataclass(frozen=True)
class Comparison:
    operation: str
    rows: int
    encrypted_seconds: float
    plain_seconds: float
    target: float = TARGET

    @property
    def encrypted_rows_per_s(self) -> float:
        return self.rows / self.encrypted_seconds if self.encrypted_seconds else float("inf")

    @property
    def plain_rows_per_s(self) -> float:
        return self.rows / self.plain_seconds if self.plain_seconds else float("inf")

    @property
    def ratio(self) -> float:
        """Encrypted throughput as a share of plain throughput (1.0: no cost)."""
        return self.encrypted_rows_per_s / self.plain_rows_per_s

    @property
    def passed(self) -> bool:
        return self.ratio >= self.target

    def as_dict(self) -> dict[str, object]:
        return {
            **asdict(self),
            "encrypted_rows_per_s": round(self.encrypted_rows_per_s, 1),
            "plain_rows_per_s": round(self.plain_rows_per_s, 1),
            "ratio": round(self.ratio, 3),
            "pass": self.passed,
        }


def timed(action: Callable[[], object]) -> float:
    """Seconds taken by ``action()``, with the garbage collector settled first."""
    gc.collect()
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def profile(label: str, action: Callable[[], object], top: int = 15) -> str:
    """Run ``action`` under cProfile; return, as text, the project's functions by
    cumulative time (where the time goes) and all functions by own time (what burns it).
    """
    profiler = cProfile.Profile()
    profiler.runcall(action)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    out.write(f"--- profile: {label}: project code by cumulative time ---\n")
    stats.sort_stats("cumulative").print_stats("responsemap/", top)
    out.write(f"--- profile: {label}: all code by own time ---\n")
    stats.sort_stats("tottime").print_stats(top)
    text = out.getvalue().replace(str(REPO_ROOT) + "/", "")
    return re.sub(r"\S*/site-packages/", "", text)


def table(title: str, results: list[Comparison]) -> str:
    head = ("operation", "encrypted rows/s", "plain rows/s", "ratio", "target", "result")
    rows = [
        (
            r.operation,
            f"{r.encrypted_rows_per_s:,.0f}",
            f"{r.plain_rows_per_s:,.0f}",
            f"{r.ratio:.2f}",
            f">= {r.target:.2f}",
            "PASS" if r.passed else "FAIL",
        )
        for r in results
    ]
    widths = [max(len(str(row[i])) for row in [head, *rows]) for i in range(len(head))]

    def line(cells: tuple[str, ...]) -> str:
        first = cells[0].ljust(widths[0])
        rest = [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest])

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([title, line(head), rule, *(line(r) for r in rows)])
