"""Charts and a choropleth as SVG, drawn on the server from the numbers a page shows:
the printed report (no script needed to print) and the dashboard's "Download as SVG"
(the same chart specs the page's Chart.js draws from: one code path).

A chart spec is the dashboard's (``analytics.views``): ``kind`` ("bar" or "line"),
``title``, ``labels`` (words, or ISO dates with ``dates``), ``series`` (each a ``name``
and its ``values``; a value of None is a suppressed cell, drawn as no bar and marked).
A "bar" spec with ``links`` (a breakdown) is drawn with horizontal bars, like the page.
Two series tell apart by colour and by pattern (solid / hatched), never colour alone.
Text is escaped; nothing of the spec is ever markup.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry

WIDTH = 640
# A breakdown is narrower: it sits in half a page, and its words stay readable.
BARS_WIDTH = 440
COLOURS = ("#1f5f99", "#b35900")
FONT = "font-family:system-ui,sans-serif;font-size:12px;fill:#1b1b1b"
LABEL_CHARS = 30
# Sequential classes for the choropleth (light to dark blue), with enough contrast for
# the darkest to carry white text.
CLASS_FILLS = ("#deebf7", "#9ecae1", "#4292c6", "#2171b5", "#08306b")
NO_DATA_FILL = "#f2f2f2"

Number = Callable[[int], str]


def _plain(n: int) -> str:
    return f"{n:,}"


def _cut(label: str, most: int = LABEL_CHARS) -> str:
    return label if len(label) <= most else label[: most - 1] + "\u2026"


def _text(x: float, y: float, words: str, *, anchor: str = "start", extra: str = "") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" style="{FONT}"{extra}>'
        f"{escape(words)}</text>"
    )


def nice_step(most: int, ticks: int = 4) -> int:
    """A round step (1, 2, 5 × 10ⁿ) so that ``ticks`` steps cover ``most``."""
    if most <= ticks:
        return 1
    raw = most / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return int(factor * power)
    return int(10 * power)  # pragma: no cover (the loop always returns)


@dataclass(frozen=True)
class Words:
    """The few words a chart writes itself, translated by the caller."""

    suppressed: str = "suppressed"
    no_data: str = "no figures"
    legend_suppressed: str = "too few to show"


def _open(width: int, height: int, title: str, rtl: bool) -> list[str]:
    # Right to left by position (labels anchored at the right); the drawing itself is
    # always left to right (``direction="ltr"``: inline in a right-to-left page it
    # would inherit "rtl", which flips every ``text-anchor``); each text's own letters
    # are ordered by the bidi algorithm whatever the direction.
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" direction="ltr">',
        f"<title>{escape(title)}</title>",
        "<defs>"
        + "".join(
            f'<pattern id="hatch{i}" width="8" height="8" patternUnits="userSpaceOnUse">'
            f'<rect width="8" height="8" fill="#fff"/>'
            f'<path d="M0,8 L8,0" stroke="{colour}" stroke-width="3"/></pattern>'
            for i, colour in enumerate(COLOURS)
        )
        + '<pattern id="hatch-grey" width="6" height="6" patternUnits="userSpaceOnUse">'
        '<rect width="6" height="6" fill="#fff"/>'
        '<path d="M0,6 L6,0" stroke="#888" stroke-width="1.5"/></pattern>'
        "</defs>",
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
        _text(
            width - 8 if rtl else 8,
            18,
            title,
            anchor="end" if rtl else "start",
            extra=' font-weight="bold"',
        ),
    ]


def _fill(i: int) -> str:
    return COLOURS[0] if i == 0 else f"url(#hatch{i % len(COLOURS)})"


def _legend(series: Sequence[dict[str, Any]], y: float, rtl: bool) -> list[str]:
    if len(series) < 2:
        return []
    out: list[str] = []
    x = WIDTH - 8 if rtl else 8
    for i, serie in enumerate(series):
        box = x - 14 if rtl else x
        out.append(
            f'<rect x="{box:.1f}" y="{y - 10:.1f}" width="14" height="12" '
            f'fill="{_fill(i)}" stroke="{COLOURS[i % len(COLOURS)]}"/>'
        )
        name = str(serie["name"])
        out.append(_text(x - 20 if rtl else x + 20, y, name, anchor="end" if rtl else "start"))
        step = 40 + 7 * len(name)
        x = x - step if rtl else x + step
    return out


def horizontal_bars(
    spec: dict[str, Any], *, rtl: bool = False, number: Number = _plain, words: Words = Words()
) -> str:
    """A breakdown: one bar a label, longest first as given."""
    labels = [str(label) for label in spec["labels"]]
    values: list[int | None] = list(spec["series"][0]["values"]) if spec["series"] else []
    row, top, label_width, figure_width = 22, 32, 150, 64
    height = top + max(1, len(labels)) * row + 12
    most = max((v for v in values if v is not None), default=0) or 1
    span = BARS_WIDTH - label_width - figure_width - 24
    out = _open(BARS_WIDTH, height, str(spec["title"]), rtl)
    if not labels:
        out.append(_text(BARS_WIDTH / 2, top + 14, words.no_data, anchor="middle"))
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + i * row
        length = 0.0 if value is None else span * value / most
        shown = words.suppressed if value is None else number(value)
        if rtl:
            out.append(_text(BARS_WIDTH - 8, y + 15, _cut(label, 22), anchor="end"))
            x0 = BARS_WIDTH - 8 - label_width
            out.append(
                f'<rect x="{x0 - length:.1f}" y="{y + 3}" width="{length:.1f}" '
                f'height="{row - 6}" fill="{COLOURS[0]}"><title>{escape(label)}: '
                f"{escape(shown)}</title></rect>"
            )
            out.append(_text(x0 - length - 6, y + 15, shown, anchor="end"))
        else:
            out.append(_text(8, y + 15, _cut(label, 22)))
            x0 = 8 + label_width
            out.append(
                f'<rect x="{x0:.1f}" y="{y + 3}" width="{length:.1f}" height="{row - 6}" '
                f'fill="{COLOURS[0]}"><title>{escape(label)}: {escape(shown)}</title></rect>'
            )
            out.append(_text(x0 + length + 6, y + 15, shown))
    out.append("</svg>")
    return "\n".join(out)


def columns(
    spec: dict[str, Any], *, rtl: bool = False, number: Number = _plain, words: Words = Words()
) -> str:
    """Columns (``bar``) or a line (``line``) over labels along the x axis, one or two
    series; at most about twelve labels written under the axis."""
    labels = [str(label) for label in spec["labels"]]
    series = spec["series"]
    height, top, bottom, axis_width = 300, 40 if len(series) > 1 else 32, 56, 56
    left, right = (16, WIDTH - axis_width) if rtl else (axis_width, WIDTH - 16)
    plot_height = height - top - bottom
    values = [v for serie in series for v in serie["values"] if v is not None]
    step = nice_step(max(values, default=0))
    most = max(step * math.ceil(max(values, default=0) / step), step)
    out = _open(WIDTH, height, str(spec["title"]), rtl)
    out += _legend(series, top - 12, rtl)

    def y_of(value: float) -> float:
        return top + plot_height * (1 - value / most)

    tick = 0
    while tick <= most:
        y = y_of(tick)
        out.append(f'<line x1="{left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(
            _text(right + 6, y + 4, number(tick))
            if rtl
            else _text(left - 6, y + 4, number(tick), anchor="end")
        )
        tick += step
    n = max(1, len(labels))
    slot = (right - left) / n

    def x_of(i: int) -> float:
        # Right to left in Arabic: the first label at the right.
        return right - (i + 0.5) * slot if rtl else left + (i + 0.5) * slot

    # At most about twelve labels, and never so close that they run into each other.
    longest = max((len(_cut(label, 14)) for label in labels), default=1)
    every = max(1, math.ceil(n / 12), math.ceil((7 * longest + 10) / slot))
    for i, label in enumerate(labels):
        if i % every == 0:
            # Centred, so a right-to-left label (a date with its marks) may run its way.
            out.append(
                _text(
                    x_of(i),
                    height - bottom + 16,
                    _cut(label, 14),
                    anchor="middle",
                    extra=' direction="rtl"' if rtl else "",
                )
            )
    for s, serie in enumerate(series):
        points = [(x_of(i), v) for i, v in enumerate(serie["values"])]
        if spec.get("kind") == "line":
            path = " ".join(
                f"{'M' if i == 0 else 'L'}{x:.1f},{y_of(v):.1f}"
                for i, (x, v) in enumerate(p for p in points if p[1] is not None)
            )
            if path:
                out.append(
                    f'<path d="{path}" fill="none" stroke="{COLOURS[s % 2]}" stroke-width="2"/>'
                )
            continue
        width = slot * 0.8 / len(series)
        for i, (x, v) in enumerate(points):
            x0 = x - slot * 0.4 + s * width
            label = f"{labels[i]} — {serie['name']}: " + (
                words.suppressed if v is None else number(v)
            )
            if v is None:
                out.append(
                    f'<rect x="{x0:.1f}" y="{top}" width="{width:.1f}" height="{plot_height}" '
                    f'fill="url(#hatch-grey)" opacity="0.5"><title>{escape(label)}</title></rect>'
                )
                continue
            out.append(
                f'<rect x="{x0:.1f}" y="{y_of(v):.1f}" width="{width:.1f}" '
                f'height="{plot_height * v / most:.1f}" fill="{_fill(s)}" '
                f'stroke="{COLOURS[s % 2]}"><title>{escape(label)}</title></rect>'
            )
    out.append(
        f'<line x1="{left}" x2="{right}" y1="{top + plot_height}" y2="{top + plot_height}" '
        'stroke="#555"/>'
    )
    out.append("</svg>")
    return "\n".join(out)


def chart(
    spec: dict[str, Any], *, rtl: bool = False, number: Number = _plain, words: Words = Words()
) -> str:
    """The SVG of a chart spec, drawn as the page draws it."""
    if spec.get("kind") == "bar" and "links" in spec:
        return horizontal_bars(spec, rtl=rtl, number=number, words=words)
    return columns(spec, rtl=rtl, number=number, words=words)


@dataclass(frozen=True)
class Region:
    name: str
    geometry: dict[str, Any] | None
    value: int | None  # None: suppressed
    known: bool = True  # False: no figure for this area at all


def _polygons(geometry: BaseGeometry) -> list[Polygon]:
    if isinstance(geometry, Polygon):
        return [geometry]
    if isinstance(geometry, MultiPolygon):
        return list(geometry.geoms)
    return [g for part in getattr(geometry, "geoms", []) for g in _polygons(part)]


def class_breaks(values: Sequence[int], classes: int = len(CLASS_FILLS)) -> list[int]:
    """Upper bounds of equal-count classes over the values (fewer for few values)."""
    ordered = sorted(set(values))
    if not ordered:
        return []
    classes = min(classes, len(ordered))
    return [ordered[math.ceil(len(ordered) * (k + 1) / classes) - 1] for k in range(classes)]


def choropleth(
    title: str,
    regions: Sequence[Region],
    *,
    rtl: bool = False,
    number: Number = _plain,
    words: Words = Words(),
) -> str:
    """The regions filled by their figure's class, with a legend; suppressed ones
    hatched. Longitude and latitude drawn as plane coordinates (the project's areas
    are small enough), scaled to fit; outlines simplified to about a pixel."""
    shapes = [(r, shape(r.geometry)) for r in regions if r.geometry]
    height, top, legend_height = 420, 32, 26 * (len(CLASS_FILLS) + 2)
    out = _open(WIDTH, height + legend_height, title, rtl)
    if not shapes:
        out.append(_text(WIDTH / 2, top + 40, words.no_data, anchor="middle"))
        out.append("</svg>")
        return "\n".join(out)
    min_x = min(g.bounds[0] for _r, g in shapes)
    min_y = min(g.bounds[1] for _r, g in shapes)
    max_x = max(g.bounds[2] for _r, g in shapes)
    max_y = max(g.bounds[3] for _r, g in shapes)
    scale = min(
        (WIDTH - 32) / max(max_x - min_x, 1e-9), (height - top - 16) / max(max_y - min_y, 1e-9)
    )
    breaks = class_breaks([r.value for r, _g in shapes if r.value is not None and r.known])

    def fill(region: Region) -> str:
        if not region.known:
            return NO_DATA_FILL
        if region.value is None:
            return "url(#hatch-grey)"
        for k, bound in enumerate(breaks):
            if region.value <= bound:
                return CLASS_FILLS[k + len(CLASS_FILLS) - len(breaks)]
        return CLASS_FILLS[-1]

    for region, geometry in shapes:
        simple = geometry.simplify(1 / scale, preserve_topology=True)
        rings = []
        for polygon in _polygons(simple):
            for ring in (polygon.exterior, *polygon.interiors):
                coords = [
                    f"{16 + (x - min_x) * scale:.1f},{top + (max_y - y) * scale:.1f}"
                    for x, y in ring.coords
                ]
                rings.append("M" + " L".join(coords) + " Z")
        shown = (
            words.no_data
            if not region.known
            else words.suppressed
            if region.value is None
            else number(region.value)
        )
        out.append(
            f'<path d="{" ".join(rings)}" fill="{fill(region)}" fill-rule="evenodd" '
            f'stroke="#fff" stroke-width="1"><title>{escape(region.name)}: '
            f"{escape(shown)}</title></path>"
        )
    y = height + 8
    low = 0
    entries = []
    for k, bound in enumerate(breaks):
        words_of = number(bound) if low == bound else f"{number(low)}–{number(bound)}"
        entries.append((CLASS_FILLS[k + len(CLASS_FILLS) - len(breaks)], words_of))
        low = bound + 1
    entries.append(("url(#hatch-grey)", words.legend_suppressed))
    entries.append((NO_DATA_FILL, words.no_data))
    for colour, words_of in entries:
        box = WIDTH - 24 if rtl else 8
        out.append(
            f'<rect x="{box}" y="{y}" width="16" height="16" fill={quoteattr(colour)} '
            'stroke="#888"/>'
        )
        out.append(
            _text(box - 8, y + 13, words_of, anchor="end") if rtl else _text(32, y + 13, words_of)
        )
        y += 24
    out.append("</svg>")
    return "\n".join(out)
