"""Inbound SMS through the generic webhook channel, served by gunicorn, on PostgreSQL.

    python -m benchmarks.bench_inbound [--quick] [--profile | --no-profile]
        [--only acknowledged|end-to-end] [--workers N] [--connections N]
        [--e2e-connections N] [--task-workers N] [--postgres-url URL]

1. Acknowledged throughput: wrk replays pre-signed webhook requests (HMAC, unique ids,
   5,000 known senders, 2% first-time numbers that get a consent notice, texts with
   names and phones) for 20 s; the same server's bare Django POST endpoint is measured
   in the same run. Then: no loss or duplicate, protection on a sample, replays store
   nothing. If a target is missed, the acknowledge path is profiled (py-spy).
2. End to end: ``db_worker``s running, a paced 300 msgs/s for 60 s, sampled every 5 s:
   stored, processed, feedback, redacted (visible in the inbox), queue depth.

Needs wrk (``apt-get install wrk``); skipped with a message if it or PostgreSQL is
missing. Uses its own database ``bench_inbound`` (created, dropped at the end) and
settings ``benchmarks.inbound_settings``. Every process it starts (gunicorn, db_worker,
wrk, py-spy) is stopped in a ``finally``. CPU used by each side is read from /proc, as
the machine may be shared. Prints a table and a ``RESULT {json}`` line; exit 0.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks import _inbound_procs as p
from benchmarks._env import (
    DEFAULT_POSTGRES_ADMIN_URL,
    REPO_ROOT,
    apply_bench_env,
    drop_postgres_database,
    recreate_postgres_database,
)
from benchmarks._inbound_cpu import CpuMeter, Totals, backend_pids_of, own_backend_pid
from benchmarks._inbound_data import (
    SECRET,
    RequestSet,
    clear_answers,
    make_requests,
    merge_answers,
    merge_sets,
    read_answers,
    setup_app,
)
from benchmarks._inbound_e2e import run_end_to_end
from benchmarks._inbound_procs import BARE_PATH, FLOOR_PATH
from benchmarks._inbound_profile import profile_acknowledge
from benchmarks._inbound_report import TARGET_RATE, TARGET_RATIO, print_table

DB_NAME = "bench_inbound"
CAPACITY = 3000  # requests a second the generated files allow before wrk wraps round


class Bench:
    def __init__(self, args: argparse.Namespace, procs: p.Procs, work: Path, port: int) -> None:
        self.args, self.procs, self.work = args, procs, work
        self.base = f"http://127.0.0.1:{port}"
        self.channel, self.senders = setup_app(self.base + BARE_PATH)  # loopback only
        self.inbound_url = f"{self.base}/channels/{self.channel.pk}/receive"
        self.seeds = iter(range(100, 200))
        self.gunicorn_pid = 0
        self.task_workers: list[Any] = []
        self.backends = backend_pids_of(DB_NAME, exclude=own_backend_pid())

    def requests(self, prefix: str, count: int, threads: int) -> RequestSet:
        return make_requests(
            self.work / prefix,
            prefix=prefix,
            count=count,
            threads=threads,
            senders=self.senders,
            secret=SECRET,
            seed=next(self.seeds),
        )

    def load(
        self,
        name: str,
        url: str,
        reqs: RequestSet,
        seconds: float,
        rate: float = 0,
        during: Callable[[], None] | None = None,
    ) -> tuple[p.WrkRun, dict[str, float]]:
        """Run wrk on ``reqs`` (calling ``during()`` meanwhile, if given) and measure the
        CPU each side used."""
        wrk = p.start_wrk(self.procs, name, url, reqs.directory, reqs.threads, seconds, rate)
        meter = CpuMeter(
            {
                "gunicorn": lambda: [self.gunicorn_pid, *p.worker_pids(self.gunicorn_pid)],
                "postgres": self.backends,
                "db_workers": lambda: [w.pid for w in self.task_workers],
                "wrk": lambda: [wrk.pid],
            }
        )
        meter.start()
        if during is not None:
            during()
        run = p.wait_wrk(self.procs, wrk, name, seconds)
        return run, meter.stop()

    def acknowledged(self) -> dict[str, Any]:
        from benchmarks._inbound_checks import (
            check_delivery,
            check_protection,
            check_replay,
            settle,
        )

        a, conns, half = self.args, self.args.connections, self.args.duration / 2
        warm = self.requests("w1", CAPACITY * a.warmup, conns)
        print(f"warm-up: {a.warmup} s of webhook requests...", flush=True)
        self.load("wrk_warm", self.inbound_url, warm, a.warmup)
        # Two rounds, bare, floor, then webhook, so drift on a shared machine hits all alike.
        sets, bare, floor, inbound = [], Totals(), Totals(), Totals()
        for r in "ab":
            reqs = self.requests(f"p1{r}", int(CAPACITY * half), conns)
            sets.append(reqs)
            print(f"round {r}: bare, floor, then webhook, {half:g} s each...", flush=True)
            for name, path, totals in (("bare", BARE_PATH, bare), ("floor", FLOOR_PATH, floor)):
                run, cpu = self.load(f"wrk_{name}", self.base + path, reqs, half)
                totals.add(run.requests - run.errors.get("status", 0), run, cpu)
                clear_answers(reqs.directory, conns)
            run, cpu = self.load("wrk_inbound", self.inbound_url, reqs, half)
            inbound.add(len(read_answers(reqs.directory, conns).stored), run, cpu)
        answers = merge_answers([read_answers(s.directory, conns) for s in sets])
        every = merge_sets(sets)
        settle()  # requests still queued in the server's backlog when wrk stopped
        return {
            "bare_rate": round(bare.rate, 1),
            "bare_p50_ms": bare.p50_ms,
            "bare_cpu_ms": bare.cpu_ms(),
            "floor_rate": round(floor.rate, 1),
            "floor_ratio": round(floor.rate / bare.rate, 3) if bare.rate else 0.0,
            "floor_cpu_ms": floor.cpu_ms(),
            "rate": round(inbound.rate, 1),
            "ratio": round(inbound.rate / bare.rate, 3) if bare.rate else 0.0,
            "p50_ms": inbound.p50_ms,
            "p99_ms": inbound.p99_ms,
            "cpu_ms": inbound.cpu_ms(),
            "cores": inbound.cores(),
            "wrk_errors": inbound.errors,
            "messages_from_new_numbers": len(every.new_senders & answers.distinct_stored),
            "delivery": check_delivery(self.channel, "p1", answers, 2 * conns),  # 2 rounds
            "protection": check_protection(self.channel, every, len(self.senders.known)),
            "replay": check_replay(self.inbound_url, every, sorted(answers.distinct_stored)),
        }


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_inbound")
    parser.add_argument("--quick", action="store_true", help="8 s and 15 s runs, for a check")
    parser.add_argument("--profile", action="store_true", help="profile even if targets are met")
    parser.add_argument("--no-profile", action="store_true", help="never profile")
    parser.add_argument("--only", choices=["acknowledged", "end-to-end"], help="run one part")
    # 2 a core: a request spends about a third of its time waiting on PostgreSQL (round
    # trips, the audit head lock, the WAL flush); 2, 3, 4, 6 gave 46, 62, 66, 64 msgs/s.
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--worker-class", choices=["sync", "gthread"], default="sync")
    parser.add_argument("--threads", type=int, default=2, help="threads a gthread worker")
    # A sync worker serves one connection at a time: one more waiting in the backlog each.
    parser.add_argument("--connections", type=int, default=0, help="wrk (default 2x workers)")
    parser.add_argument("--e2e-connections", type=int, default=16)
    # A db_worker is on CPU ~57% of its time (13 of 23 ms a message): 3 keep ~1.7 cores busy.
    parser.add_argument("--task-workers", type=int, default=3, help="db_worker processes")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_ADMIN_URL),
        help="a database on the server to connect to for drop/create",
    )
    args = parser.parse_args(argv)
    args.connections = args.connections or 2 * args.workers
    args.duration, args.warmup = (8, 2) if args.quick else (20, 4)
    args.e2e_duration = 15 if args.quick else 60
    return args


def run(args: argparse.Namespace, work: Path, url: str, result: dict[str, Any]) -> None:
    apply_bench_env(work / "var", url)
    port = p.free_port()
    os.environ.update(
        DJANGO_SETTINGS_MODULE="benchmarks.inbound_settings",
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
        RESPONSEMAP_PUBLIC_URL=f"http://127.0.0.1:{port}",
        PYTHONPATH=str(REPO_ROOT),
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    from benchmarks.inbound_urls import create_floor_table

    create_floor_table()
    result["database"] = connection.vendor
    result["config"] = {
        "cores": os.cpu_count(),
        "gunicorn_workers": args.workers,
        "worker_class": args.worker_class,
        "threads": args.threads if args.worker_class == "gthread" else 1,
        "load_generator": "wrk (Lua: pre-signed bodies, one connection a thread)",
        "connections": args.connections,
        "e2e_connections": args.e2e_connections,
        "db_workers": args.task_workers,
        "postgres": "{}.{}".format(
            *divmod(connection.cursor().connection.info.server_version, 10000)
        ),
    }
    procs = p.Procs(dict(os.environ), work)
    try:
        gunicorn = p.start_gunicorn(procs, port, args.workers, args.worker_class, args.threads)
        bench = Bench(args, procs, work, port)
        bench.gunicorn_pid = gunicorn.pid
        if args.only in (None, "acknowledged"):
            ack = result["acknowledged"] = bench.acknowledged()
            missed = ack["rate"] < TARGET_RATE or ack["ratio"] < TARGET_RATIO
            if args.profile or (missed and not args.no_profile):
                result["profile"] = profile_acknowledge(bench, 5 if args.quick else 10)
        if args.only in (None, "end-to-end"):
            result["end_to_end"] = run_end_to_end(bench)
    except Exception:
        for name in ("gunicorn", "db_worker_0"):
            if tail := procs.log_tail(name):
                print(f"--- last lines of the {name} log ---\n{tail}")
        raise
    finally:
        procs.stop_all()
        connection.close()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    result: dict[str, Any] = {"benchmark": "inbound"}
    if not shutil.which("wrk"):
        print("inbound: skipped (wrk is not installed: apt-get install wrk)")
        result["skipped"] = "wrk is not installed"
        print("RESULT " + json.dumps(result), flush=True)
        return 0
    try:
        url = recreate_postgres_database(args.postgres_url, DB_NAME)
    except Exception as exc:  # unreachable, refused, no rights: report and stop
        reason = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc) else ''}"
        print(f"inbound on postgres: skipped (PostgreSQL unreachable: {reason})")
        result["skipped"] = reason
        print("RESULT " + json.dumps(result), flush=True)
        return 0
    work = Path(tempfile.mkdtemp(prefix="responsemap-bench-inbound-"))
    try:
        run(args, work, url, result)
    except Exception as exc:  # report, never gate
        traceback.print_exc()
        result["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        try:
            drop_postgres_database(args.postgres_url, DB_NAME)
        except Exception as exc:
            print(f"(could not drop {DB_NAME}: {exc})")
        shutil.rmtree(work, ignore_errors=True)
    print_table(result, args)
    print("RESULT " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
