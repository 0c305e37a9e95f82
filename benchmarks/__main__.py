"""Run the benchmarks: ``python -m benchmarks [--only NAME] [--databases LIST] [--quick]``.

Each benchmark runs in its own process with an isolated environment (temporary var
dir and key dir, random master key, test settings without DEBUG): Django settings are
process-global, and nothing may touch ``var/`` or a real database. PostgreSQL gets a
fresh ``bench_responsemap`` database, dropped afterwards; if the server can't be
reached, that database is skipped. ``inbound`` (webhook throughput through gunicorn, and
end to end with ``db_worker``s) runs on PostgreSQL only, in its own ``bench_inbound``
database. Figures are reported, never enforced: the exit status is 0 whatever the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks._env import (
    BENCH_DB_NAME,
    DEFAULT_POSTGRES_ADMIN_URL,
    REPO_ROOT,
    bench_env,
    drop_postgres_database,
    recreate_postgres_database,
)

BENCHMARKS = (
    "encryption",
    "listing",
    "redaction",
    "suggestions",
    "inbound",
    "alerts",
    "destruction",
    "dashboards",
    "public_page",
    "maps",
    "imports",
)
DATABASES = ("sqlite", "postgres")
REDACTION_SCRIPT = REPO_ROOT / "benchmarks" / "bench_redaction.py"
SUGGESTIONS_SCRIPT = REPO_ROOT / "benchmarks" / "bench_suggestions.py"
TIMEOUT_SECONDS = 3600


def run_child(command: list[str], env: dict[str, str]) -> tuple[int, list[dict[str, Any]]]:
    """Run ``command``, echoing its output as it comes except ``RESULT`` lines, which are
    collected (the runner prints one combined line at the end)."""
    results: list[dict[str, Any]] = []
    child_env = {**os.environ, **env, "PYTHONPATH": str(REPO_ROOT), "PYTHONUNBUFFERED": "1"}
    with subprocess.Popen(
        command, cwd=REPO_ROOT, env=child_env, stdout=subprocess.PIPE, text=True
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("RESULT "):
                try:
                    results.append(json.loads(line[len("RESULT ") :]))
                except json.JSONDecodeError:
                    print(line, end="")
            else:
                print(line, end="", flush=True)
        try:
            code = proc.wait(timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
    return code, results


def encryption(database: str, workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    return per_database("encryption", database, workdir, args)


def listing(database: str, workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    """The inbox page with and without its listing event (benchmarks/bench_listing.py)."""
    return per_database("listing", database, workdir, args)


def per_database(
    name: str, database: str, workdir: Path, args: argparse.Namespace
) -> dict[str, Any]:
    """Run ``benchmarks.bench_<name>`` in its own process on one database: a SQLite file
    in a fresh var dir, or a fresh PostgreSQL database dropped afterwards."""
    var_dir = workdir / f"{name}-{database}"
    var_dir.mkdir()
    if database == "sqlite":
        url = f"sqlite:///{var_dir / 'bench.sqlite3'}"
    else:
        try:
            url = recreate_postgres_database(args.postgres_url, BENCH_DB_NAME)
        except Exception as exc:  # unreachable, refused, no rights: report and go on
            reason = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc) else ''}"
            print(f"{name} on postgres: skipped (PostgreSQL unreachable: {reason})\n")
            return {"skipped": reason}
    command = [sys.executable, "-m", f"benchmarks.bench_{name}", "--database-url", url]
    command += ["--var-dir", str(var_dir)]
    if args.quick:
        command.append("--quick")
    if args.profile and name == "encryption":
        command.append("--profile")
    try:
        code, results = run_child(command, bench_env(var_dir, url))
    finally:
        if database == "postgres":
            try:
                drop_postgres_database(args.postgres_url, BENCH_DB_NAME)
            except Exception as exc:
                print(f"(could not drop {BENCH_DB_NAME}: {exc})")
    print()
    if code != 0 or not results:
        print(f"{name} on {database}: failed (exit status {code})\n")
        return {"failed": code}
    return results[-1]


def public_page(database: str, workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    """The public page cached and uncached, and a month's release (bench_public_page.py)."""
    return per_database("public_page", database, workdir, args)


def maps(database: str, workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    """The map's grid rollup and aggregates at 1,000,000 records (bench_maps.py)."""
    return per_database("maps", database, workdir, args)


def imports(database: str, workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Rows/s of file imports into a project of 1,000,000 records (bench_imports.py)."""
    return per_database("imports", database, workdir, args)


def alerts(database: str, workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Urgent alert latency under a 100 msgs/s feed (benchmarks/bench_alerts.py)."""
    return per_database("alerts", database, workdir, args)


def destruction(database: str, workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    """A project of 100,000 records destroyed: key, then the purge (bench_destruction.py)."""
    return per_database("destruction", database, workdir, args)


def dashboards(database: str, workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Rollups and the dashboard at 1,000,000 records (benchmarks/bench_dashboards.py)."""
    return per_database("dashboards", database, workdir, args)


def redaction(workdir: Path) -> dict[str, Any]:
    if not REDACTION_SCRIPT.exists():
        print("redaction: not present\n")
        return {"skipped": "not present"}
    var_dir = workdir / "redaction"
    var_dir.mkdir()
    print("redaction:", flush=True)
    code, results = run_child([sys.executable, str(REDACTION_SCRIPT)], bench_env(var_dir))
    print()
    if code != 0:
        print(f"redaction: failed (exit status {code})\n")
        return {"failed": code, **(results[-1] if results else {})}
    return results[-1] if results else {"status": "ran"}


def suggestions(workdir: Path) -> dict[str, Any]:
    """Triage suggestions on the held-aside labelled messages (bench_suggestions.py)."""
    var_dir = workdir / "suggestions"
    var_dir.mkdir()
    print("suggestions:", flush=True)
    command = [sys.executable, str(SUGGESTIONS_SCRIPT)]
    code, results = run_child(command, bench_env(var_dir))
    print()
    if code != 0:
        print(f"suggestions: failed (exit status {code})\n")
        return {"failed": code, **(results[-1] if results else {})}
    return results[-1] if results else {"status": "ran"}


def inbound(database: str, args: argparse.Namespace) -> dict[str, Any]:
    """Webhook intake under load (benchmarks/bench_inbound.py); PostgreSQL only."""
    if database != "postgres":
        print(f"inbound on {database}: skipped (PostgreSQL only: one SQLite writer at a time)\n")
        return {"skipped": "PostgreSQL only"}
    command = [sys.executable, "-m", "benchmarks.bench_inbound", "--postgres-url"]
    command.append(args.postgres_url)
    if args.quick:
        command.append("--quick")
    if args.profile:
        command.append("--profile")
    code, results = run_child(command, {})
    print()
    if code != 0 or not results:
        print(f"inbound on {database}: failed (exit status {code})\n")
        return {"failed": code}
    return results[-1]


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--only", choices=BENCHMARKS, help="run one benchmark")
    parser.add_argument(
        "--databases",
        default=",".join(DATABASES),
        help="comma-separated: sqlite,postgres (default both)",
    )
    parser.add_argument("--quick", action="store_true", help="fewer records (300), for a check")
    parser.add_argument("--profile", action="store_true", help="cProfile failing operations")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_ADMIN_URL),
        help="a database on the server to connect to for drop/create "
        f"(default $BENCH_POSTGRES_URL or {DEFAULT_POSTGRES_ADMIN_URL})",
    )
    args = parser.parse_args(argv)
    args.databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    unknown = set(args.databases) - set(DATABASES)
    if unknown:
        parser.error(f"unknown database(s): {', '.join(sorted(unknown))}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    summary: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="responsemap-bench-") as tmp:
        workdir = Path(tmp)
        try:
            if args.only in (None, "encryption"):
                summary["encryption"] = {db: encryption(db, workdir, args) for db in args.databases}
            if args.only in (None, "listing"):
                summary["listing"] = {db: listing(db, workdir, args) for db in args.databases}
            if args.only in (None, "redaction"):
                summary["redaction"] = redaction(workdir)
            if args.only in (None, "suggestions"):
                summary["suggestions"] = suggestions(workdir)
            if args.only in (None, "inbound"):
                summary["inbound"] = {db: inbound(db, args) for db in args.databases}
            if args.only in (None, "alerts"):
                summary["alerts"] = {db: alerts(db, workdir, args) for db in args.databases}
            if args.only in (None, "destruction"):
                summary["destruction"] = {
                    db: destruction(db, workdir, args) for db in args.databases
                }
            if args.only in (None, "dashboards"):
                summary["dashboards"] = {db: dashboards(db, workdir, args) for db in args.databases}
            if args.only in (None, "public_page"):
                summary["public_page"] = {
                    db: public_page(db, workdir, args) for db in args.databases
                }
            if args.only in (None, "maps"):
                summary["maps"] = {db: maps(db, workdir, args) for db in args.databases}
            if args.only in (None, "imports"):
                summary["imports"] = {db: imports(db, workdir, args) for db in args.databases}
        except Exception as exc:  # report, never gate
            print(f"benchmarks: stopped by {type(exc).__name__}: {exc}")
            summary["error"] = f"{type(exc).__name__}: {exc}"
    print("RESULT " + json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
