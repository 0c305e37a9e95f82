"""The SVG writer of the report and the dashboard's "Download as SVG"."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from responsemap.analytics.reports import svg

NS = "{http://www.w3.org/2000/svg}"


def parse(text: str) -> ET.Element:
    return ET.fromstring(text)  # noqa: S314 (our own output)


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{NS}text")]


def test_nice_steps() -> None:
    assert svg.nice_step(0) == 1
    assert svg.nice_step(4) == 1
    assert svg.nice_step(17) == 5
    assert svg.nice_step(1234) == 500
    assert svg.nice_step(80) == 20


def test_breakdown_is_horizontal_bars_with_every_label_and_figure() -> None:
    spec = {
        "kind": "bar",
        "title": "By type",
        "labels": ["Question", "Complaint", "Held"],
        "series": [{"name": "Records", "values": [1200, 30, None]}],
        "links": [None, None, None],
    }
    root = parse(svg.chart(spec, number=lambda n: f"{n:,}".replace(",", " ")))
    words = texts(root)
    assert words[0] == "By type"
    assert {"Question", "Complaint", "Held", "1 200", "30", "suppressed"} <= set(words)
    widths = [
        float(r.get("width", 0)) for r in root.iter(f"{NS}rect") if r.find(f"{NS}title") is not None
    ]
    assert widths[0] > widths[1] > 0
    assert widths[2] == 0


def test_text_is_escaped_never_markup() -> None:
    spec = {
        "kind": "bar",
        "title": "<script>alert(1)</script>",
        "labels": ['"><img src=x onerror=alert(1)>', "A & B"],
        "series": [{"name": "Records", "values": [3, 4]}],
        "links": [None, None],
    }
    out = svg.chart(spec)
    assert "<script>" not in out
    assert "<img" not in out
    root = parse(out)  # well-formed
    assert "A & B" in texts(root)


def test_columns_and_line_two_series_have_a_legend_and_patterns() -> None:
    spec = {
        "kind": "bar",
        "title": "Time to first response and to close",
        "labels": ["Within 1 hour", "1 to 4 hours"],
        "series": [
            {"name": "First response", "values": [5, 2]},
            {"name": "Closed", "values": [1, 0]},
        ],
    }
    root = parse(svg.chart(spec))
    words = texts(root)
    assert "First response" in words
    assert "Closed" in words
    fills = {r.get("fill") for r in root.iter(f"{NS}rect")}
    assert "url(#hatch1)" in fills  # the second series hatched, not colour alone
    line = parse(svg.chart({**spec, "kind": "line", "series": spec["series"][:1]}))
    assert any(p.get("stroke") == svg.COLOURS[0] for p in line.iter(f"{NS}path"))


def test_right_to_left_starts_at_the_right() -> None:
    spec = {
        "kind": "bar",
        "title": "حسب النوع",
        "labels": ["سؤال"],
        "series": [{"name": "السجلات", "values": [7]}],
        "links": [None],
    }
    root = parse(svg.chart(spec, rtl=True))
    label = next(t for t in root.iter(f"{NS}text") if t.text == "سؤال")
    assert float(label.get("x", 0)) > svg.BARS_WIDTH / 2
    assert label.get("text-anchor") == "end"


def test_many_dates_are_thinned_under_the_axis() -> None:
    labels = [f"d{n}" for n in range(90)]
    spec = {
        "kind": "line",
        "title": "Per day",
        "labels": labels,
        "series": [{"name": "R", "values": list(range(90))}],
    }
    root = parse(svg.chart(spec))
    assert sum(1 for t in texts(root) if t.startswith("d")) <= 13


def test_choropleth_classes_legend_and_held_back_areas() -> None:
    def square(x: int) -> dict[str, object]:
        return {
            "type": "Polygon",
            "coordinates": [[[x, 0], [x + 1, 0], [x + 1, 1], [x, 1], [x, 0]]],
        }

    regions = [
        svg.Region("West", square(0), 40),
        svg.Region("Middle", square(1), None),
        svg.Region("East", square(2), 7),
        svg.Region("Nowhere", None, 3),  # no outline: not drawn
    ]
    root = parse(svg.choropleth("Records by area", regions))
    paths = [p for p in root.iter(f"{NS}path") if p.find(f"{NS}title") is not None]
    titles = [p.find(f"{NS}title").text for p in paths]  # type: ignore[union-attr]
    assert titles == ["West: 40", "Middle: suppressed", "East: 7"]
    assert paths[1].get("fill") == "url(#hatch-grey)"
    assert paths[0].get("fill") != paths[2].get("fill")  # two classes
    assert "too few to show" in texts(root)


def test_class_breaks() -> None:
    assert svg.class_breaks([]) == []
    assert svg.class_breaks([5]) == [5]
    assert svg.class_breaks(list(range(1, 11))) == [2, 4, 6, 8, 10]


def test_no_outline_at_all_says_so() -> None:
    root = parse(svg.choropleth("Map", [svg.Region("A", None, 3)]))
    assert "no figures" in texts(root)
