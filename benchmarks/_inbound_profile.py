"""Where an acknowledged message's time goes: py-spy on every gunicorn worker (wall
clock, idle included, so waiting on PostgreSQL shows) and pg_stat_activity sampled on
the server side (who waits on a lock, who is inside a transaction doing Python work).

py-spy is installed into the running venv on first use (``pip install py-spy``); it is
not a project dependency.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks import _inbound_procs as p
from benchmarks._env import REPO_ROOT
from benchmarks._inbound_procs import BIN, Procs

if TYPE_CHECKING:
    from benchmarks.bench_inbound import Bench

FRAME = re.compile(r"^(?P<name>.*) \((?P<file>[^:()]*)(?::\d+)?\)$")


def py_spy() -> Path | None:
    exe = BIN / "py-spy"
    if not exe.exists():
        print("installing py-spy into the venv (pip install py-spy)...", flush=True)
        command = [sys.executable, "-m", "pip", "install", "-q", "py-spy"]
        subprocess.run(command, check=False, timeout=300)
    return exe if exe.exists() else None


def record(procs: Procs, exe: Path, pids: list[int], seconds: float, out: Path, mode: str) -> None:
    """py-spy on every pid at once. ``mode`` "wall": every sample, waits included (--idle);
    "cpu": only samples holding the GIL (--gil), i.e. running Python, not waiting on
    PostgreSQL or on a socket (psycopg and gunicorn release the GIL there)."""
    started = []
    for pid in pids:
        command = [str(exe), "record", "--pid", str(pid), "--duration", str(int(seconds))]
        command += ["--rate", "200", "--nonblocking", "--format", "raw"]
        command += ["--idle"] if mode == "wall" else ["--gil"]
        command += ["--output", str(out / f"pyspy_{mode}_{pid}.txt")]
        started.append(procs.start(f"pyspy_{mode}_{pid}", command))
    for spy in started:
        spy.wait(timeout=seconds + 60)


def _frame(text: str) -> str:
    match = FRAME.match(text)
    if not match:
        return text
    file = match["file"].replace(str(REPO_ROOT) + "/", "")
    file = re.sub(r"^.*/site-packages/", "", file)
    return f"{match['name']} ({file})"


def summarise_stacks(out: Path, mode: str, top: int = 14) -> dict[str, Any]:
    """Inclusive share of worker wall time by function (project code, then everything),
    and own share by leaf function."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for path in out.glob(f"pyspy_{mode}_*.txt"):
        for line in path.read_text(errors="replace").splitlines():
            stack, _, count_text = line.rpartition(" ")
            if not count_text.isdigit():
                continue
            count = int(count_text)
            frames = [_frame(f) for f in stack.split(";")]
            total += count
            own[frames[-1]] += count
            for frame in set(frames):
                inclusive[frame] += count
    if not total:
        return {"samples": 0}

    def share(counter: Counter[str], keep: Any) -> list[tuple[str, float]]:
        rows = [(k, v) for k, v in counter.most_common() if keep(k)]
        return [(k, round(100 * v / total, 1)) for k, v in rows[:top]]

    return {
        "samples": total,
        "project_inclusive_pct": share(inclusive, lambda k: "(responsemap/" in k),
        "own_pct": share(own, lambda k: True),
    }


class ActivitySampler(threading.Thread):
    """pg_stat_activity of the benchmark database every 50 ms, for ``seconds``."""

    def __init__(self, url: str, dbname: str, seconds: float) -> None:
        super().__init__(daemon=True)
        self.url, self.dbname, self.seconds = url, dbname, seconds
        self.states: Counter[str] = Counter()
        self.waits: Counter[str] = Counter()
        self.polls = 0

    def run(self) -> None:
        import psycopg

        query = (
            "SELECT state, coalesce(wait_event_type, ''), coalesce(wait_event, ''),"
            " left(regexp_replace(query, '\\s+', ' ', 'g'), 90) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        end = time.monotonic() + self.seconds
        with psycopg.connect(self.url, autocommit=True, connect_timeout=3) as conn:
            while time.monotonic() < end:
                for state, wtype, wevent, text in conn.execute(query, (self.dbname,)):
                    if state == "active" and wtype in ("Lock", "LWLock", "IO"):
                        self.states[f"active, waiting {wtype}:{wevent}"] += 1
                        if wtype == "Lock":
                            self.waits[text] += 1
                    else:
                        self.states[str(state)] += 1
                self.polls += 1
                time.sleep(0.05)

    def summary(self) -> dict[str, Any]:
        polls = max(self.polls, 1)
        return {
            "polls": self.polls,
            "mean_backends_by_state": {
                k: round(v / polls, 2) for k, v in self.states.most_common()
            },
            "lock_waiting_queries": [
                (q, round(v / polls, 2)) for q, v in self.waits.most_common(4)
            ],
        }


def print_profile(wall: dict[str, Any], cpu: dict[str, Any], activity: dict[str, Any]) -> None:
    print("\nprofile of the acknowledge path (py-spy on every gunicorn worker)")
    for title, stacks, key in (
        ("wall clock (waits included), project code, inclusive %", wall, "project_inclusive_pct"),
        ("running Python (GIL held), project code, inclusive %", cpu, "project_inclusive_pct"),
        ("running Python (GIL held), leaf functions, own %", cpu, "own_pct"),
    ):
        print(f"  {title} ({stacks.get('samples', 0)} samples):")
        for name, pct in stacks.get(key, []):
            print(f"    {pct:5.1f}%  {name}")
    print("  PostgreSQL backends of the gunicorn workers (mean count, pg_stat_activity):")
    for state, mean in activity["mean_backends_by_state"].items():
        print(f"    {mean:5.2f}  {state}")
    for query, mean in activity["lock_waiting_queries"]:
        print(f"    waiting on a lock ({mean:.2f} on average): {query}")


def profile_acknowledge(bench: Bench, seconds: float) -> dict[str, Any]:
    """Load the webhook as in the measurement; record every worker for ``seconds`` counting
    waits, then ``seconds`` on CPU only, while sampling pg_stat_activity."""
    from django.conf import settings

    exe = py_spy()
    if exe is None:
        return {"skipped": "py-spy could not be installed"}
    conns, length = bench.args.connections, 2 * seconds + 4
    reqs = bench.requests("pr", int(3000 * length), conns)
    out = bench.work / "profile"
    out.mkdir()
    wrk = p.start_wrk(
        bench.procs, "wrk_profile", bench.inbound_url, reqs.directory, conns, length, 0
    )
    try:
        time.sleep(2)  # the steady state, not the ramp
        db = settings.DATABASES["default"]
        url = f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        activity = ActivitySampler(url, str(db["NAME"]), 2 * seconds)
        activity.start()
        pids = p.worker_pids(bench.gunicorn_pid)
        record(bench.procs, exe, pids, seconds, out, "wall")
        record(bench.procs, exe, pids, seconds, out, "cpu")
        activity.join(timeout=seconds + 10)
    finally:
        p.wait_wrk(bench.procs, wrk, "wrk_profile", length)
    wall, cpu = summarise_stacks(out, "wall"), summarise_stacks(out, "cpu")
    pg = activity.summary()
    print_profile(wall, cpu, pg)
    return {"wall": wall, "cpu": cpu, "pg_stat_activity": pg}
