"""Imports at scale: rows/s of a file import into a project that already holds many
records, per chunk of rows as the project grows, and the process's peak memory.

    python -m benchmarks.bench_imports --database-url URL --var-dir DIR [--quick]

The existing records, 1,000,000 of them (``--quick``: 2,000), are made first: 2,000
through the project's own bulk path (``do_create_feedback_batch``, redacted, sealed,
indexed, signed), the rest SQL copies of those with their word index, duplicate bands
and signatures (``benchmarks._copies``: minutes instead of hours). Then 100,000 rows (``--quick``:
4,000) are imported as KoboToolbox CSV exports of 10,000 rows each (``--quick``: 1,000),
each through the whole path a person starts: upload (``do_create_import_job``), mapping
and the worker's dry run (``do_set_mapping`` → ``check_import``), then the import
(``do_start_import`` → ``run_import``: the duplicate check on the batch's row keys,
then the batch's records through one ``do_create_feedback_batch``, redacted in it).
The two import tasks are called in this process; the tasks the new records queue
(urgent alerts and their notifications) are left queued, as another worker runs them.

Reported: rows/s of each chunk (whole path, and the import task alone), overall, the
last chunk's rate over the first's (the rate must not fall as the project grows), and
the peak resident memory (``ru_maxrss``). Targets (issue 14): >= 500 rows/s, < 300 MB.
Prints a table, then a ``RESULT {json}`` line. Figures are reported, never enforced.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks._env import apply_bench_env
from benchmarks._inbox_data import master_key

WARM_MODEL = (
    "import django; django.setup(); "
    "from responsemap.triage.suggestions.loading import base_suggester; base_suggester()"
)
TARGET_ROWS_PER_S = 500.0
TARGET_RSS_MB = 300.0
FULL = {"existing": 1_000_000, "rows": 100_000, "chunk": 10_000}
QUICK = {"existing": 2_000, "rows": 4_000, "chunk": 1_000}
HEADERS = [
    "start",
    "end",
    "group_feedback/message",
    "group_feedback/type",
    "group_feedback/sector",
    "respondent/gender",
    "respondent/age",
    "_id",
    "_uuid",
    "_submission_time",
]
MESSAGES = [
    "Le point d'eau du bloc {n} est cassé depuis l'inondation",
    "When is the next cash distribution in zone {n}?",
    "La inundación dañó las letrinas del bloque {n}",
    "Kilè distribisyon manje ap fèt nan sit {n}?",
    "Shelter roofs in sector {n} were damaged by the storm",
]
TYPES = ["complaint", "question", "request", "suggestion", "appreciation"]
SECTORS = ["wash", "cash", "shelter", "food", "health"]
T0 = datetime(2025, 6, 1, tzinfo=UTC)


def export_csv(first: int, count: int) -> bytes:
    """A KoboToolbox-style CSV export of rows ``first`` … ``first + count``."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for n in range(first, first + count):
        when = T0 + timedelta(seconds=30 * n)
        writer.writerow(
            [
                when.isoformat(),
                (when + timedelta(minutes=4)).isoformat(),
                MESSAGES[n % len(MESSAGES)].format(n=n % 89),
                TYPES[n % len(TYPES)],
                SECTORS[n % len(SECTORS)],
                "female" if n % 2 else "male",
                str(18 + n % 60),
                str(100_000 + n),
                f"5b7c2f0e-1d2a-4c3b-8e9f-{n:012d}",
                (when + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S"),
            ]
        )
    return out.getvalue().encode("utf-8")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def import_chunk(project: Any, actor: Any, first: int, count: int) -> dict[str, Any]:
    from django_tasks import default_task_backend
    from django_tasks.backends.dummy import DummyBackend

    from responsemap.imports import actions
    from responsemap.imports.mapping import Mapping
    from responsemap.imports.models import ImportJob
    from responsemap.imports.tasks import check_import, run_import

    data = export_csv(first, count)
    started = time.perf_counter()
    job = actions.do_create_import_job(
        project=project, file_name=f"kobo-export-{first}.csv", data=data, actor=actor
    )
    mapping = Mapping.from_json(job.mapping)
    if not {"content", "key"} <= set(mapping.columns):
        raise RuntimeError(f"the export's columns were not suggested: {mapping.columns}")
    actions.do_set_mapping(job, mapping, actor)
    check_import.call(str(job.pk))  # the worker's dry run
    job.refresh_from_db()
    if job.state != ImportJob.State.MAPPED:
        raise RuntimeError(f"the dry run ended {job.state} ({job.failure_reason})")
    checked = time.perf_counter()
    actions.do_start_import(job, actor)
    run_import.call(str(job.pk))  # the worker's import
    done = time.perf_counter()
    queued = default_task_backend
    if isinstance(queued, DummyBackend):
        queued.clear()  # tasks the records queued (alerts…): other workers'
    job.refresh_from_db()
    job.refresh_from_db()
    return {
        "first": first,
        "rows": count,
        "created": job.created,
        "skipped": job.skipped,
        "failed": job.failed,
        "state": job.state,
        "rows_per_s": count / (done - started),
        "import_rows_per_s": count / (done - checked),
        "seconds": done - started,
        "rss_mb": peak_rss_mb(),
    }


def measure(sizes: dict[str, int]) -> dict[str, Any]:
    from django.db import connection

    from benchmarks._copies import make_project_of
    from benchmarks._inbox_data import setup_project
    from responsemap.accounts.models import User
    from responsemap.accounts.queries import viewer_for
    from responsemap.triage.models import Feedback

    started = time.perf_counter()
    make_project_of(sizes["existing"])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    generated_s = time.perf_counter() - started
    project = setup_project()
    actor = viewer_for(User.objects.get(username="manager1"), project.pk)
    existing = Feedback.objects.filter(project=project).count()
    print(f"{existing} records in the project ({generated_s:.0f} s to make)", flush=True)
    chunks = []
    for first in range(0, sizes["rows"], sizes["chunk"]):
        count = min(sizes["chunk"], sizes["rows"] - first)
        chunk = import_chunk(project, actor, first, count)
        chunks.append(chunk)
        print(
            f"rows {first + 1}-{first + count}: {chunk['rows_per_s']:.0f} rows/s "
            f"(import task {chunk['import_rows_per_s']:.0f}/s), created {chunk['created']}, "
            f"failed {chunk['failed']}, peak RSS {chunk['rss_mb']:.0f} MB",
            flush=True,
        )
    total_s = sum(c["seconds"] for c in chunks)
    overall = sizes["rows"] / total_s
    rss = peak_rss_mb()
    ratio = chunks[-1]["rows_per_s"] / chunks[0]["rows_per_s"]
    return {
        "database": connection.vendor,
        "existing_records": existing,
        "rows": sizes["rows"],
        "chunk": sizes["chunk"],
        "created": sum(c["created"] for c in chunks),
        "failed": sum(c["failed"] for c in chunks),
        "rows_per_s": round(overall, 1),
        "target_rows_per_s": TARGET_ROWS_PER_S,
        "ratio_to_target": round(overall / TARGET_ROWS_PER_S, 2),
        "chunk_rows_per_s": [round(c["rows_per_s"], 1) for c in chunks],
        "chunk_import_rows_per_s": [round(c["import_rows_per_s"], 1) for c in chunks],
        "last_over_first": round(ratio, 2),
        "peak_rss_mb": round(rss, 1),
        "target_rss_mb": TARGET_RSS_MB,
        "generate_seconds": round(generated_s, 1),
    }


def report(result: dict[str, Any]) -> str:
    lines = [
        f"imports on {result['database']}: {result['rows']} rows into a project of "
        f"{result['existing_records']} records",
        f"  overall        {result['rows_per_s']:>8.0f} rows/s  (target >= "
        f"{TARGET_ROWS_PER_S:.0f}: x{result['ratio_to_target']})",
        f"  per chunk      {', '.join(f'{r:.0f}' for r in result['chunk_rows_per_s'])}",
        f"  import task    {', '.join(f'{r:.0f}' for r in result['chunk_import_rows_per_s'])}",
        f"  last / first   {result['last_over_first']:>8.2f}",
        f"  peak RSS       {result['peak_rss_mb']:>8.0f} MB  (target < {TARGET_RSS_MB:.0f})",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_imports")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--var-dir", type=Path, required=True)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--existing", type=int, help="records already in the project")
    parser.add_argument("--rows", type=int, help="rows to import")
    parser.add_argument("--chunk", type=int, help="rows per file")
    args = parser.parse_args(argv)
    sizes = dict(QUICK if args.quick else FULL)
    for name in ("existing", "rows", "chunk"):
        if getattr(args, name):
            sizes[name] = getattr(args, name)
    args.var_dir.mkdir(parents=True, exist_ok=True)
    key = master_key(args.var_dir)
    apply_bench_env(args.var_dir, args.database_url)
    os.environ["RESPONSEMAP_MASTER_KEY"] = key  # a kept dataset opens with its keys
    # Tasks are queued, not run here: the import's own tasks are called in this process
    # below; what the new records queue (urgent alerts, notifications) is other
    # workers' work in production, not the import's time.
    os.environ["TASKS_BACKEND"] = "django_tasks.backends.dummy.DummyBackend"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    # The suggestion model's cache, as a running deployment has it: training (the first
    # use on a new machine) loads scikit-learn, which a worker that only scores never
    # does (~75 MB); it is not the import's memory.
    subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", WARM_MODEL], check=True, env=os.environ.copy()
    )
    result = measure(sizes)
    print(report(result))
    print("RESULT " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
