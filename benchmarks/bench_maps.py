"""The map at scale: the grid rollup's build, and the map's aggregates at several zooms.

    python -m benchmarks.bench_maps --database-url URL --var-dir DIR [--records N]
        [--quick] [--runs 20]

Data: the dashboards benchmark's records (``bench_dashboards.make_records``: 1,000,000
over two years; 20,000 with ``--quick``), each given a position in SQL from its row
number, uniformly over a box of 2 by 3 degrees (60,000 squares of a hundredth of a
degree: the worst case for the grid, nearly every record a cell of its own), and the
benchmark project's 20 areas each a rectangle of that box (the choropleth).

Measured, against issue 12's target (map aggregate at any zoom: p95 < 200 ms):
- the grid rollup (``MapCell``) of every record, written as the rebuild writes it
  (30 days a step), in seconds and per record;
- ``map/grid.json`` through the whole Django stack (test client, an officer) for the
  view of a 1280 × 640 px map centred on the records, at zooms 5 to 13, over the default
  90 days and over 365 days; and a protection focal point zoomed in (exact positions);
- the map page itself (the choropleth's counts, legend and table) and the boundaries.

Prints a table, then a ``RESULT {json}`` line.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchmarks._env import apply_bench_env

TARGET_P95_MS = 200.0
SOUTH, WEST = 18.0, -73.5  # the records' box: 2 degrees of latitude, 3 of longitude
ROWS, COLUMNS = 200, 300  # hundredths of a degree
VIEW_PX = (1280, 640)
ZOOMS = (5, 7, 9, 11, 13)


def place_records(project: Any) -> int:
    """Give every record of the project without a position one, from its row number
    (the reference ``B000000123``), the same on both databases. Returns rows updated."""
    from django.db import connection

    number = "CAST(SUBSTR(reference, 2) AS BIGINT)"
    # "%%": a modulo in SQL run with parameters (both drivers read "%s").
    lat = f"({SOUTH} + ((({number} * 7919) + 13) %% {ROWS}) / 100.0)"
    lon = f"({WEST} + ((({number} * 104729) + 7) %% {COLUMNS}) / 100.0)"
    project_id = project.pk.hex if connection.vendor == "sqlite" else str(project.pk)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE triage_feedback SET lat = ROUND({lat}, 2), lon = ROUND({lon}, 2) "  # noqa: S608
            "WHERE project_id = %s AND lat IS NULL AND reference LIKE 'B%%'",
            [project_id],
        )
        count = cursor.rowcount
        cursor.execute("ANALYZE")
    return int(count)


def shape_areas(project: Any) -> None:
    """The benchmark project's areas as rectangles tiling the records' box (4 × 5)."""
    from responsemap.geo.models import AdminArea

    areas = list(AdminArea.objects.filter(project=project).order_by("pcode"))
    for i, area in enumerate(areas[:20]):
        row, column = divmod(i, 5)
        south, west = SOUTH + row * 0.5, WEST + column * 0.6
        ring = [[west, south], [west + 0.6, south], [west + 0.6, south + 0.5],
                [west, south + 0.5], [west, south]]  # fmt: skip
        area.geometry = {"type": "Polygon", "coordinates": [ring]}
        area.min_lon, area.min_lat, area.max_lon, area.max_lat = (
            west,
            south,
            west + 0.6,
            south + 0.5,
        )
        area.save()


def build_grid(project: Any) -> dict[str, Any]:
    """The grid rollup of every record, 30 days a step, as ``do_rebuild_rollups``."""
    from django.db import transaction
    from django.db.models import Max, Min

    from responsemap.analytics.actions import REBUILD_STEP_DAYS
    from responsemap.analytics.maps.actions import write_map_cells
    from responsemap.triage.models import Feedback

    span = Feedback.objects.filter(project=project).aggregate(
        first=Min("received_at"), last=Max("received_at")
    )
    day, end = span["first"].date(), span["last"].date() + timedelta(days=1)
    started = time.perf_counter()
    cells = 0
    while day < end:
        step_end = min(end, day + timedelta(days=REBUILD_STEP_DAYS))
        with transaction.atomic():
            cells += write_map_cells(project.pk, day, step_end)
        day = step_end
    seconds = time.perf_counter() - started
    records = Feedback.objects.filter(project=project, lat__isnull=False).count()
    return {
        "seconds": round(seconds, 1),
        "cells": cells,
        "records": records,
        "us_per_record": round(seconds / max(records, 1) * 1e6, 1),
    }


def view_at(zoom: int) -> str:
    """The bounds of a ``VIEW_PX`` map centred on the records' box at ``zoom``."""
    degrees_per_px = 360 / (256 * 2**zoom)
    half_w = VIEW_PX[0] / 2 * degrees_per_px
    half_h = VIEW_PX[1] / 2 * degrees_per_px * math.cos(math.radians(SOUTH + 1))
    lat, lon = SOUTH + 1, WEST + 1.5
    return f"{lon - half_w},{lat - half_h},{lon + half_w},{lat + half_h}"


def p95(times: list[float]) -> float:
    times = sorted(times)
    return times[max(0, int(round(0.95 * len(times))) - 1)]


def measure(client: Any, url: str, params: dict[str, str], runs: int) -> dict[str, Any]:
    """p50 and p95 of ``runs`` requests after a warm-up; for the grid, also with the
    cache emptied before each request (a view nobody asked for since the rollups
    changed)."""
    from django.core.cache import cache

    response = client.get(url, params)  # warm-up
    assert response.status_code == 200, (url, params, response.status_code)
    body = response.json() if url.endswith(".json") else {}
    times, cold = [], []
    for _n in range(runs):
        started = time.perf_counter()
        client.get(url, params)
        times.append((time.perf_counter() - started) * 1000)
    if url.endswith("grid.json"):
        for _n in range(runs):
            cache.clear()
            started = time.perf_counter()
            client.get(url, params)
            cold.append((time.perf_counter() - started) * 1000)
    return {
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(p95(times), 1),
        "uncached_p95_ms": round(p95(cold), 1) if cold else None,
        "cells": len(body.get("cells", [])),
        "exact": body.get("exact"),
        "bytes": len(response.content),
        "ratio": round(p95(times) / TARGET_P95_MS, 2),
    }


def measure_map(project: Any, runs: int) -> list[dict[str, Any]]:
    from django.test import Client

    from benchmarks._inbox_data import END
    from responsemap.accounts.models import User

    until = END.date()
    spans = {
        "90 days": {"until": until.isoformat()},
        "365 days": {
            "until": until.isoformat(),
            "since": (until - timedelta(days=364)).isoformat(),
        },
    }
    clients = {}
    for persona in ("officer1", "protection1"):
        clients[persona] = Client(HTTP_HOST="localhost")
        clients[persona].force_login(User.objects.get(username=persona))
    grid_url = f"/p/{project.slug}/map/grid.json"
    found = []
    for span_name, span in spans.items():
        for zoom in ZOOMS:
            params = {**span, "bbox": view_at(zoom), "zoom": str(zoom)}
            row = measure(clients["officer1"], grid_url, params, runs)
            found.append({"kind": f"grid, zoom {zoom}, {span_name}", **row})
    filtered = {**spans["90 days"], "type_code": "rumour", "bbox": view_at(9), "zoom": "9"}
    found.append(
        {"kind": "grid, zoom 9, type", **measure(clients["officer1"], grid_url, filtered, runs)}
    )
    exact = {**spans["90 days"], "bbox": view_at(13), "zoom": "13"}
    found.append(
        {"kind": "protection, zoom 13", **measure(clients["protection1"], grid_url, exact, runs)}
    )
    page = f"/p/{project.slug}/map/"
    found.append(
        {"kind": "map page, 90 days", **measure(clients["officer1"], page, spans["90 days"], runs)}
    )
    found.append(
        {
            "kind": "map page, 365 days, type",
            **measure(
                clients["officer1"], page, {**spans["365 days"], "type_code": "rumour"}, runs
            ),
        }
    )
    areas = f"/p/{project.slug}/map/areas.geojson"
    found.append(
        {
            "kind": "boundaries (cached)",
            **measure(clients["officer1"], areas, {"level": "2", "zoom": "7"}, runs),
        }
    )
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_maps")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--var-dir", type=Path, required=True)
    parser.add_argument("--records", type=int)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-build", action="store_true", help="grid rollup already built")
    args = parser.parse_args(argv)
    records = args.records or (20_000 if args.quick else 1_000_000)
    runs = 5 if args.quick else args.runs
    args.var_dir.mkdir(parents=True, exist_ok=True)
    apply_bench_env(args.var_dir, args.database_url)
    from benchmarks._inbox_data import master_key

    os.environ["RESPONSEMAP_MASTER_KEY"] = master_key(args.var_dir)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from benchmarks.bench_dashboards import make_records

    call_command("migrate", verbosity=0, interactive=False)
    database = connection.vendor
    project = make_records(records)
    started = time.perf_counter()
    placed = place_records(project)
    print(f"positions: {placed:,} records placed in {time.perf_counter() - started:.1f} s")
    shape_areas(project)
    from responsemap.analytics.actions import do_rebuild_rollups
    from responsemap.analytics.models import Rollup

    if not Rollup.objects.filter(project=project).exists():
        started = time.perf_counter()
        do_rebuild_rollups(project.pk)  # the dashboard's rollups (the choropleth reads them)
        print(f"rollups (with the grid): {time.perf_counter() - started:.1f} s")
    grid = (
        {"seconds": None, "cells": 0, "us_per_record": None}
        if args.no_build
        else build_grid(project)
    )
    print(f"\n{database}, {records:,} records")
    print(f"grid rollup alone: {grid['seconds']} s, {grid['cells']:,} cells, "
          f"{grid['us_per_record']} µs a record")  # fmt: skip
    rows = measure_map(project, runs)
    print(f"{'map request':<28}{'p50 ms':>9}{'p95 ms':>9}{'uncached':>9}{'cells':>7}{'KB':>7}"
          f"{'ratio':>7}")  # fmt: skip
    for row in rows:
        print(f"{row['kind']:<28}{row['p50_ms']:>9}{row['p95_ms']:>9}"
              f"{row['uncached_p95_ms'] or '':>9}{row['cells']:>7}"
              f"{row['bytes'] / 1024:>7.1f}{row['ratio']:>7}")  # fmt: skip
    result = {
        "database": database,
        "records": records,
        "grid_rollup": grid,
        "map": rows,
        "map_p95_worst_ms": max(row["p95_ms"] for row in rows),
    }
    print("RESULT " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
