"""Spans of personal details found in a text."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Span", "merge", "overlaps"]


@dataclass(frozen=True, order=True)
class Span:
    start: int
    end: int
    kind: str


def overlaps(a: Span, spans: Iterable[Span]) -> bool:
    return any(a.start < b.end and b.start < a.end for b in spans)


def merge(spans: list[Span]) -> list[Span]:
    """Sort, and fuse overlapping spans of the same kind; earlier-listed kinds win."""
    out: list[Span] = []
    for span in sorted(spans):
        if out and span.start < out[-1].end:
            prev = out[-1]
            if span.kind == prev.kind:
                out[-1] = Span(prev.start, max(prev.end, span.end), prev.kind)
            continue
        out.append(span)
    return out
