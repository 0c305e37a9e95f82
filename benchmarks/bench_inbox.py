"""The inbox at scale: p50/p95 per kind of request, on a persistent dataset.

    python -m benchmarks.bench_inbox --database-url URL --var-dir DIR [--runs 20] [--plans]

The dataset is made once by ``benchmarks._inbox_data`` (every record through
``do_create_feedback_batch``, redacted, sealed and indexed) into a database kept
between runs, with its keys in ``--var-dir``; this migrates it to the current schema
(the inbox's indexes) and measures. Each request goes through the whole Django stack
(middleware, session, template, listing event) with the test client, as a feedback
officer (who may not see protection-sensitive records: the row rule is in every query)
and, for the sensitivity filter, as a protection focal point. Every kind is requested
``--runs`` times after one warm-up; p50 and p95 of the wall time are reported, and the
number of SQL queries of a request. ``--plans``: the EXPLAIN ANALYZE of the queries that
read the records, per kind. Target (issue 10): p95 < 150 ms on PostgreSQL at 1,000,000.
Prints a table, then a ``RESULT {json}`` line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchmarks._env import apply_bench_env
from benchmarks._inbox_data import END, PROJECT_SLUG, master_key

TARGET_MS = 150.0


def kinds(project: Any) -> list[tuple[str, str, dict[str, str]]]:
    """(name, persona, query) of each kind of request measured."""
    from responsemap.accounts.models import User
    from responsemap.geo.models import AdminArea
    from responsemap.triage.models import Feedback

    area = AdminArea.objects.filter(project=project).order_by("pcode").first()
    officer = User.objects.get(username="officer1")
    some = Feedback.objects.filter(project=project, sensitivity="normal").order_by("?").first()
    week = END - timedelta(days=200)
    return [
        ("page 1", "officer1", {}),
        ("page 2", "officer1", {"page": "2"}),
        ("deep page (400)", "officer1", {"page": "400"}),
        ("last page", "officer1", {"from_end": "1"}),
        ("seek mid-way", "officer1", {"after": "MID"}),
        ("status", "officer1", {"status": "new"}),
        ("type", "officer1", {"type_code": "rumour"}),
        ("urgency", "officer1", {"urgency": "critical"}),
        ("channel", "officer1", {"source": "web"}),
        ("sector", "officer1", {"sector": "nutrition"}),
        ("area", "officer1", {"area": str(area.pk) if area else ""}),
        ("assignee", "officer1", {"assignee": str(officer.pk)}),
        ("overdue", "officer1", {"overdue": "on"}),
        ("sensitivity", "protection1", {"sensitivity": "sensitive"}),
        ("two filters", "officer1", {"status": "closed", "sector": "wash"}),
        (
            "one week",
            "officer1",
            {"since": str(week.date()), "until": str((week + timedelta(days=6)).date())},
        ),
        ("words (1)", "officer1", {"words": "inondation"}),
        ("words (2)", "officer1", {"words": "distribution nourriture"}),
        ("rare word", "officer1", {"words": "storm"}),
        ("reference", "officer1", {"q": some.reference.lower().replace("-", " ") if some else "x"}),
        ("most urgent", "officer1", {"sort": "urgency"}),
        ("oldest, last", "officer1", {"sort": "oldest", "from_end": "1"}),
        ("my work", "officer1", {"_url": "my_work"}),
    ]


class SqlTimer:
    """Wall time of every query of a request, and of those that read the records (the
    capped count and the page: what grows with the data)."""

    def __init__(self) -> None:
        self.total_ms = 0.0
        self.records_ms = 0.0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent = 1000 * (time.perf_counter() - started)
            self.total_ms += spent
            if 'FROM "triage_feedback"' in sql and "triage_notification" not in sql:
                self.records_ms += spent


def percentiles(name: str, values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[max(0, -(-95 * len(ordered) // 100) - 1)]
    return {f"{name}_p50": round(statistics.median(ordered), 1), f"{name}_p95": round(p95, 1)}


def mid_cursor(project: Any) -> str:
    from responsemap.triage.inbox.listing import cursor_of
    from responsemap.triage.models import Feedback

    rows = Feedback.objects.filter(project=project, sensitivity="normal")
    middle = rows.filter(received_at__lte=END - timedelta(days=365)).order_by("-received_at", "-pk")
    record = middle.first()
    return cursor_of(record) if record else ""


def measure(runs: int, plans: bool, only: set[str] | None = None) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from responsemap.accounts.models import User
    from responsemap.projects.models import Project
    from responsemap.triage.models import Feedback

    project = Project.objects.get(slug=PROJECT_SLUG)
    total = Feedback.objects.filter(project=project).count()
    clients: dict[str, Client] = {}
    mid = mid_cursor(project)
    results: dict[str, Any] = {}
    for name, persona, params in kinds(project):
        if only and name not in only:
            continue
        client = clients.get(persona)
        if client is None:
            client = clients[persona] = Client(HTTP_HOST="localhost")
            client.force_login(User.objects.get(username=persona))
        params = dict(params)
        url = reverse(f"triage:{params.pop('_url', 'inbox')}", args=[project.slug])
        if params.get("after") == "MID":
            params["after"] = mid
        response = client.get(url, params)  # warm-up
        assert response.status_code == 200, (name, response.status_code)
        wall, cpu, sql, records = [], [], [], []
        for _ in range(runs):
            timer = SqlTimer()
            started, started_cpu = time.perf_counter(), time.process_time()
            with connection.execute_wrapper(timer):
                response = client.get(url, params)
            wall.append(1000 * (time.perf_counter() - started))
            cpu.append(1000 * (time.process_time() - started_cpu))
            sql.append(timer.total_ms)
            records.append(timer.records_ms)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, params)
        pager = response.context["pager"]
        reading = records_sql(queries.captured_queries)
        server = [sum(execution_ms(sql) for sql in reading) for _ in range(runs)]
        results[name] = {
            **percentiles("server", server),
            **percentiles("wall", wall),
            **percentiles("cpu", cpu),
            **percentiles("sql", sql),
            **percentiles("records_sql", records),
            "queries": len(queries),
            "rows": len(response.context["items"]),
            "count": f"more than {pager['count']}" if pager["capped"] else pager["count"],
        }
        if plans and connection.vendor == "postgresql":
            results[name]["plans"] = explain(queries.captured_queries)
    return {"records": total, "kinds": results}


def records_sql(captured: list[dict[str, str]]) -> list[str]:
    """The queries that read the records: the capped count and the page's rows."""
    return [
        q["sql"]
        for q in captured
        if 'FROM "triage_feedback"' in q["sql"] and "triage_notification" not in q["sql"]
    ]


def execution_ms(sql: str) -> float:
    """The server's own time for ``sql`` (EXPLAIN ANALYZE's Execution Time): what the
    data costs, without this machine's other load on the Python side."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) " + sql)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return float(plan[0]["Execution Time"]) + float(plan[0]["Planning Time"])


def explain(captured: list[dict[str, str]]) -> list[str]:
    """EXPLAIN ANALYZE of the queries that read the records (the count and the page)."""
    from django.db import connection

    found = []
    for sql in records_sql(captured):
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql)
            found.append("\n".join(row[0] for row in cursor.fetchall()))
    return found


def report(vendor: str, figures: dict[str, Any]) -> str:
    lines = [
        f"inbox on {vendor}, {figures['records']:,} records; ms per request, p50/p95 "
        f"(target: p95 < {TARGET_MS:.0f} ms). wall: the whole request as timed on this "
        "machine; cpu: the Django process's CPU time; sql: all its queries' wall time; "
        "records: the count and the page's rows; server: their planning and execution "
        "time in PostgreSQL (EXPLAIN ANALYZE)",
        f"  {'kind':<17} {'wall':>13} {'cpu':>13} {'sql':>13} {'records':>13} {'server':>13} "
        f"{'queries':>7} {'rows':>4}  count",
    ]
    for name, row in figures["kinds"].items():
        cells = [
            f"{row[k + '_p50']:>6.0f}/{row[k + '_p95']:<6.0f}"
            for k in ("wall", "cpu", "sql", "records_sql", "server")
        ]
        lines.append(
            f"  {name:<17} {' '.join(cells)} {row['queries']:>7} {row['rows']:>4}  {row['count']}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_inbox")
    parser.add_argument("--database-url", required=True, help="the dataset's database")
    parser.add_argument("--var-dir", type=Path, required=True, help="the dataset's keys")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--plans", action="store_true", help="EXPLAIN ANALYZE per kind")
    parser.add_argument("--only", help="these kinds only, comma-separated")
    args = parser.parse_args(argv)
    key = master_key(args.var_dir)
    apply_bench_env(args.var_dir, args.database_url)
    os.environ["RESPONSEMAP_MASTER_KEY"] = key
    (args.var_dir / "static").mkdir(exist_ok=True)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the responses' context: the pager and the rows shown

    call_command("migrate", verbosity=0, interactive=False)
    only = set(args.only.split(",")) if args.only else None
    figures = measure(args.runs, args.plans, only)
    print(report(connection.vendor, figures))
    if args.plans:
        for name, row in figures["kinds"].items():
            for plan in row.get("plans", []):
                print(f"\n-- {name}\n{plan}")
    payload = {"benchmark": "inbox", "database": connection.vendor, **figures}
    for row in payload["kinds"].values():
        row.pop("plans", None)
    print("RESULT " + json.dumps(payload), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
