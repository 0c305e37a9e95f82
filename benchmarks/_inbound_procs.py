"""The processes of bench_inbound: gunicorn, ``db_worker``s, wrk.

Each is started in a session of its own and stopped by its id (its process group, which
holds only it and its children), by ``Procs.stop_all()`` in a ``finally``.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from benchmarks._env import REPO_ROOT

BIN = Path(sys.executable).parent
LUA = REPO_ROOT / "benchmarks" / "inbound.lua"
BARE_PATH = "/bench/bare"  # served by benchmarks.inbound_urls
FLOOR_PATH = "/bench/floor"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Procs:
    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = env
        self.log_dir = log_dir
        self.started: list[subprocess.Popen[bytes]] = []
        self.logs: list[IO[bytes]] = []

    def start(self, name: str, command: list[str], **env: str) -> subprocess.Popen[bytes]:
        log = (self.log_dir / f"{name}.log").open("ab")
        self.logs.append(log)
        proc = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env={**self.env, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.started.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen[bytes], timeout: float = 15) -> None:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
            except ProcessLookupError:
                pass
        if proc in self.started:
            self.started.remove(proc)

    def stop_all(self) -> None:
        for proc in reversed(list(self.started)):
            try:
                self.stop(proc)
            except Exception as exc:  # keep stopping the others
                print(f"(could not stop process {proc.pid}: {exc})")
        for log in self.logs:
            log.close()
        self.logs.clear()

    def log_tail(self, name: str, lines: int = 15) -> str:
        path = self.log_dir / f"{name}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def start_gunicorn(
    procs: Procs, port: int, workers: int, worker_class: str = "sync", threads: int = 1
) -> subprocess.Popen[bytes]:
    command = [str(BIN / "gunicorn"), "responsemap.wsgi", "--worker-class", worker_class]
    command += ["--workers", str(workers), "--bind", f"127.0.0.1:{port}"]
    if worker_class == "gthread":  # keeps connections alive between requests
        command += ["--threads", str(threads), "--keep-alive", "30"]
    command += ["--backlog", "2048", "--timeout", "60", "--log-level", "warning"]
    proc = procs.start("gunicorn", command)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{procs.log_tail('gunicorn')}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.25)
    raise RuntimeError("gunicorn did not answer /healthz within 60 s")


def worker_pids(master: int) -> list[int]:
    """The gunicorn master's children (its workers)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == master:
            pids.append(int(entry.name))
    return sorted(pids)


def start_task_workers(procs: Procs, count: int) -> list[subprocess.Popen[bytes]]:
    command = [sys.executable, "manage.py", "db_worker", "--no-startup-delay", "--no-reload"]
    return [procs.start(f"db_worker_{n}", worker_command(command, n, count)) for n in range(count)]


def worker_command(command: list[str], n: int, count: int) -> list[str]:
    """As deployed (docs/deploy.md): of two workers or more, the first never sends, so
    a sweep or an alert never waits behind sends paced by a channel's rate."""
    return [*command, "--exclude-queues", "outbound"] if n == 0 and count > 1 else command


@dataclass
class WrkRun:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: dict[str, int]


def wrk_command(
    url: str, directory: Path, threads: int, seconds: float, rate: float = 0
) -> tuple[list[str], dict[str, str]]:
    """wrk with ``benchmarks/inbound.lua``, one connection a thread; ``rate`` > 0 paces
    the whole run at that many requests a second."""
    command = ["wrk", "-t", str(threads), "-c", str(threads), "-d", f"{seconds:g}s"]
    command += ["--timeout", "30s", "-s", str(LUA), url]
    path = "/" + url.split("/", 3)[3]
    env = {
        "BENCH_WRK_DIR": str(directory),
        "BENCH_WRK_PATH": path,
        "BENCH_WRK_RATE": f"{rate / threads:.6f}" if rate else "0",
        "BENCH_WRK_THREADS": str(threads),
    }
    return command, env


def start_wrk(
    procs: Procs, name: str, url: str, directory: Path, threads: int, seconds: float, rate: float
) -> subprocess.Popen[bytes]:
    command, env = wrk_command(url, directory, threads, seconds, rate)
    (procs.log_dir / f"{name}.log").unlink(missing_ok=True)
    return procs.start(name, command, **env)


def wait_wrk(procs: Procs, proc: subprocess.Popen[bytes], name: str, seconds: float) -> WrkRun:
    try:
        proc.wait(timeout=seconds + 60)
    finally:
        procs.stop(proc)
    output = (procs.log_dir / f"{name}.log").read_text(errors="replace")
    match = re.search(r"BENCH_DONE (.*)", output)
    if not match:
        raise RuntimeError(f"wrk gave no summary:\n{output[-2000:]}")
    f = {k: int(v) for k, v in (pair.split("=") for pair in match.group(1).split())}
    errors = {k: f[k] for k in ("connect", "read", "write", "status", "timeout") if f[k]}
    return WrkRun(
        f["requests"], f["duration_us"] / 1e6, f["p50_us"] / 1e3, f["p99_us"] / 1e3, errors
    )
