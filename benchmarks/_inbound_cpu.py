"""CPU time of the processes under test during a run, from /proc (Linux).

The machine may be shared: the cores the benchmark's own processes used, the cores
everything else used, and CPU milliseconds per request tell a slow run on a busy
machine from a slow code path. PostgreSQL counts only the backends connected to the
benchmark's database (not this process's own).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks._inbound_procs import WrkRun

CLK_TCK = os.sysconf("SC_CLK_TCK")


def _ticks(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


def _machine() -> tuple[int, int]:
    """(busy, all) ticks of all cores since boot."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return sum(values) - idle, sum(values)


class CpuMeter(threading.Thread):
    """Polls the CPU ticks of each group's processes every half second while a run lasts,
    so a process that ends meanwhile (a database connection recycled after
    ``CONN_MAX_AGE``) still counts, up to its last poll. ``groups``: name -> a function
    giving that group's pids now."""

    def __init__(self, groups: dict[str, Callable[[], list[int]]]) -> None:
        super().__init__(daemon=True)
        self.groups = groups
        self.first: dict[str, dict[int, int]] = {name: {} for name in groups}
        self.last: dict[str, dict[int, int]] = {name: {} for name in groups}
        self.finished = threading.Event()
        self._poll(at_start=True)
        self.machine_start = _machine()
        self.t0 = time.monotonic()

    def _poll(self, at_start: bool = False) -> None:
        for name, pids in self.groups.items():
            for pid in pids():
                ticks = _ticks(pid)
                if ticks:
                    self.first[name].setdefault(pid, ticks if at_start else 0)
                    self.last[name][pid] = ticks

    def run(self) -> None:
        while not self.finished.wait(0.5):
            self._poll()

    def stop(self) -> dict[str, float]:
        """Cores used by each group over the run, ``other`` (the rest of the machine) and
        ``idle``."""
        self.finished.set()
        self.join(timeout=5)
        self._poll()
        elapsed = time.monotonic() - self.t0
        busy0, all0 = self.machine_start
        busy1, all1 = _machine()
        cores = os.cpu_count() or 1
        result: dict[str, float] = {}
        for name in self.groups:
            first, last = self.first[name], self.last[name]
            used = sum(max(0, last[pid] - first.get(pid, 0)) for pid in last)
            result[name] = used / CLK_TCK / elapsed
        busy = cores * (busy1 - busy0) / max(all1 - all0, 1)
        result["other"] = max(0.0, busy - sum(result.values()))
        result["idle"] = max(0.0, cores - busy)
        return {k: round(v, 2) for k, v in result.items()}


def backend_pids_of(dbname: str, exclude: int) -> Callable[[], list[int]]:
    """A function listing the PostgreSQL backends connected to ``dbname`` (their process
    title reads "postgres: user dbname host(port) ..."), except ``exclude``."""
    marker = f" {dbname} ".encode()

    def pids() -> list[int]:
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == exclude:
                continue
            try:
                title = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if title.startswith(b"postgres: ") and marker in title:
                found.append(int(entry.name))
        return found

    return pids


def own_backend_pid() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


@dataclass
class Totals:
    """Several wrk runs of one kind added up: requests, seconds, CPU core-seconds."""

    count: int = 0
    seconds: float = 0.0
    core_seconds: dict[str, float] = field(default_factory=dict)
    p50s: list[float] = field(default_factory=list)
    p99s: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    def add(self, count: int, run: WrkRun, cpu: dict[str, float]) -> None:
        self.count += count
        self.seconds += run.seconds
        for name, cores in cpu.items():
            self.core_seconds[name] = self.core_seconds.get(name, 0.0) + cores * run.seconds
        self.p50s.append(run.p50_ms)
        self.p99s.append(run.p99_ms)
        for name, n in run.errors.items():
            self.errors[name] = self.errors.get(name, 0) + n

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    @property
    def p50_ms(self) -> float:
        return round(sum(self.p50s) / len(self.p50s), 2) if self.p50s else 0.0

    @property
    def p99_ms(self) -> float:
        return round(max(self.p99s), 2) if self.p99s else 0.0

    def cpu_ms(self) -> dict[str, float]:
        """CPU milliseconds a request, by side (gunicorn, postgres) and together."""
        if not self.count:
            return {}
        ms = {
            k: 1000 * self.core_seconds.get(k, 0.0) / self.count for k in ("gunicorn", "postgres")
        }
        ms["server"] = sum(ms.values())
        return {k: round(v, 2) for k, v in ms.items()}

    def cores(self) -> dict[str, float]:
        """Mean cores used over the runs, by group (``other``: the rest of the machine)."""
        return {k: round(v / self.seconds, 2) for k, v in self.core_seconds.items() if self.seconds}
