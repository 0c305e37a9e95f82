"""Destroying a project of 100,000 records, on one database.

    python -m benchmarks.bench_destruction [--database-url URL] [--var-dir DIR]
                                           [--records N] [--quick]

The project's records are made through its own bulk path (``benchmarks._inbox_data``:
``do_create_feedback_batch``, redacted, sealed and indexed as the worker does it), with
a second, small project beside it. The project is closed and destroyed
(``do_destroy_project``, the operator's decision); each step is timed. Targets: the key
gone in < 1 s after the decision (``key_destroyed_at - started_at``, and the key's own
step); the full purge is reported, not targeted. The other project is checked to open
as before. ``--quick``: 2,000 records. Prints a table and, last, a ``RESULT {json}``.
"""

from __future__ import annotations

import argparse
import atexit
import json
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks._env import apply_bench_env

KEY_TARGET_SECONDS = 1.0


def timed_steps(figures: dict[str, float]) -> None:
    """Wrap each step of the destruction so its time lands in ``figures``."""
    from responsemap.projects.destruction import purge

    def wrap(name: str, work: Callable[..., None]) -> Callable[..., None]:
        def run(*args: Any) -> None:
            started = time.perf_counter()
            work(*args)
            figures[name] = figures.get(name, 0.0) + time.perf_counter() - started

        return run

    purge.STEPS = [(step, wrap(str(step), work)) for step, work in purge.STEPS]


def bench(records: int) -> dict[str, Any]:
    from django.db import connection

    from benchmarks._inbox_data import generate, setup_project
    from responsemap.projects.actions import do_create_project
    from responsemap.projects.destruction.actions import Approval, do_destroy_project
    from responsemap.projects.lifecycle.actions import do_close_project
    from responsemap.projects.models import Project
    from responsemap.protection.keyring import get_keyring
    from responsemap.triage.actions import NewFeedback, do_create_feedback_batch
    from responsemap.triage.models import Feedback, FeedbackToken

    started = time.perf_counter()
    generate(records, finish=False)
    made = time.perf_counter() - started
    project = setup_project()
    other = do_create_project(
        organisation=project.organisation,
        name="Beside it",
        slug="bench-other",
        country="HT",
        languages=["fr"],
        purpose="Benchmark",
        status=Project.Status.ACTIVE,
    )
    items = [NewFeedback(source="sms", content=f"Latrine kraze nan blok {n}") for n in range(50)]
    do_create_feedback_batch(other, items, None, redact_now=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    tokens = FeedbackToken.objects.filter(project=project).count()
    print(f"{records} records ({tokens} search tokens) made in {made:.0f} s", flush=True)
    assert do_close_project(project, actor=None, approver="Bench")

    figures: dict[str, float] = {}
    timed_steps(figures)
    started = time.perf_counter()
    run = do_destroy_project(project, approval=Approval.OPERATOR, approved_by="Bench")
    total = time.perf_counter() - started
    assert run.key_destroyed_at is not None
    decision_to_key = (run.key_destroyed_at - run.started_at).total_seconds()
    kept = Feedback.objects.filter(project=other).count()
    assert kept == 50
    assert get_keyring().keys(other.pk).versions
    return {
        "records": records,
        "rows": sum(run.counts.values()),
        "search_tokens": tokens,
        "decision_to_key_s": decision_to_key,
        "key_step_s": figures.get("key", 0.0),
        "aggregates_s": figures.get("aggregates", 0.0),
        "rows_s": figures.get("rows", 0.0),
        "chain_s": figures.get("chain", 0.0),
        "files_s": figures.get("files", 0.0),
        "certificate_s": figures.get("certificate", 0.0),
        "total_s": total,
        "rows_per_s": sum(run.counts.values()) / max(figures.get("rows", 0.0), 1e-9),
        "key_ratio_vs_target": decision_to_key / KEY_TARGET_SECONDS,
        "other_project_intact": True,
    }


def report(vendor: str, f: dict[str, Any]) -> str:
    lines = [
        f"destruction of {f['records']:,} records on {vendor}: {f['rows']:,} rows removed",
        f"  decision -> key gone   {f['decision_to_key_s'] * 1000:9.1f} ms "
        f"(target < {KEY_TARGET_SECONDS * 1000:.0f} ms; ratio {f['key_ratio_vs_target']:.3f})",
        f"  key step alone         {f['key_step_s'] * 1000:9.1f} ms",
        f"  aggregates             {f['aggregates_s']:9.1f} s",
        f"  rows                   {f['rows_s']:9.1f} s ({f['rows_per_s']:,.0f} rows/s)",
        f"  audit chain            {f['chain_s']:9.1f} s",
        f"  files and caches       {f['files_s']:9.3f} s",
        f"  certificate            {f['certificate_s']:9.3f} s",
        f"  full purge             {f['total_s']:9.1f} s",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_destruction")
    parser.add_argument("--database-url", help="default: a fresh SQLite file in the var dir")
    parser.add_argument("--var-dir", type=Path, help="default: a new temporary directory")
    parser.add_argument("--records", type=int, help="records of the project (default 100,000)")
    parser.add_argument("--quick", action="store_true", help="2,000 records")
    args = parser.parse_args(argv)
    records = args.records or (2_000 if args.quick else 100_000)
    var_dir = apply_bench_env(args.var_dir, args.database_url)
    (var_dir / "static").mkdir(exist_ok=True)
    if args.var_dir is None:
        atexit.register(shutil.rmtree, var_dir, ignore_errors=True)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    figures = bench(records)
    print(report(connection.vendor, figures))
    payload = {"benchmark": "destruction", "database": connection.vendor, **figures}
    payload = {k: round(v, 4) if isinstance(v, float) else v for k, v in payload.items()}
    print("RESULT " + json.dumps(payload), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
