"""``manage.py serve`` as a real process: whatever stops it, no worker is left behind.

Real processes, so this waits on them, with generous deadlines (a loaded machine only
makes it slower, never wrong).
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import queue
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from django.conf import settings

from responsemap.lib.management.commands.db_worker import Command as DbWorkerCommand
from responsemap.lib.management.commands.serve import served_url

DEADLINE_SECONDS = 90


@pytest.fixture(scope="module")
def serve_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("RESPONSEMAP_", "DJANGO_"))}
    keep.pop("DATABASE_URL", None)  # its own SQLite file, never the suite's database
    env = {
        **keep,
        "DJANGO_SETTINGS_MODULE": "responsemap.settings",
        "RESPONSEMAP_ENV": "development",
        "RESPONSEMAP_VAR_DIR": str(tmp_path_factory.mktemp("serve-var")),
        "RESPONSEMAP_MASTER_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_RUNSERVER_HIDE_WARNING": "true",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
    )
    return env


class Serve:
    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--addr", "127.0.0.1:0", *args],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # so the test can clean up after a failure
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for_line(self, starting: str) -> str:
        deadline = time.monotonic() + DEADLINE_SECONDS
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                continue
            self.output.append(line)
            if starting in line:
                return line
        pytest.fail(f"serve never printed {starting!r}:\n" + "\n".join(self.output))

    def kill_group(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)


def descendants(pid: int) -> dict[int, str]:
    """Every process below ``pid``, with its command line (to tell a reused pid)."""
    found: dict[int, str] = {}
    parents = {pid}
    while parents:
        children: set[int] = set()
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
                if ppid in parents:
                    children.add(int(proc.name))
                    found[int(proc.name)] = (proc / "cmdline").read_text()
            except (OSError, IndexError, ValueError):
                continue  # it exited while we looked
        parents = children
    return found


def alive(pid: int, cmdline: str) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state != "Z" and Path(f"/proc/{pid}/cmdline").read_text() == cmdline
    except OSError:
        return False


@pytest.fixture
def serve(serve_env: dict[str, str]) -> Iterator[list[Serve]]:
    started: list[Serve] = []
    yield started
    for server in started:
        server.kill_group()
        server.process.wait(timeout=DEADLINE_SECONDS)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_stop_signal_stops_the_worker_too(
    serve: list[Serve], serve_env: dict[str, str], signum: int
) -> None:
    server = Serve(serve_env)
    serve.append(server)
    url = server.wait_for_line("is serving at").rsplit(" ", 1)[1]
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        try:
            with urllib.request.urlopen(f"{url}healthz", timeout=10) as response:  # noqa: S310
                assert response.status == 200
                break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    below = descendants(server.process.pid)
    assert any("db_worker" in cmdline for cmdline in below.values()), below

    server.process.send_signal(signum)

    assert server.process.wait(timeout=DEADLINE_SECONDS) == 0
    assert not [pid for pid, cmdline in below.items() if alive(pid, cmdline)]


def test_the_address_served_and_the_announcement_come_last(
    serve: list[Serve], serve_env: dict[str, str]
) -> None:
    server = Serve(serve_env, "--announce", "seed_demo --accounts-only")
    serve.append(server)
    url = server.wait_for_line("Starting development server at ").rsplit(" ", 1)[1]
    assert server.wait_for_line("is serving at").endswith(f"is serving at {url}")
    header = server.wait_for_line("username ")
    last = server.wait_for_line("sign in with one of these accounts")
    assert last == f"Open {url} and sign in with one of these accounts."
    output = server.output
    assert output.index(header) < output.index(last)
    assert any(line.startswith("operator ") for line in output)
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=DEADLINE_SECONDS) == 0


def test_the_worker_keeps_the_configured_log_levels() -> None:
    loggers = [logging.getLogger(name) for name in ("django_tasks", "django_tasks_db")]
    before = [(log.level, list(log.handlers)) for log in loggers]
    try:
        logging_settings = cast(dict[str, Any], settings.LOGGING)
        configured = [logging_settings["loggers"][log.name]["level"] for log in loggers]
        assert configured == ["WARNING"] * 2 or "TASKS_LOG_LEVEL" in os.environ
        DbWorkerCommand().configure_logging(1)
        levels = [logging.getLevelName(log.getEffectiveLevel()) for log in loggers]
        assert levels == configured
        DbWorkerCommand().configure_logging(2)  # -v 2 still shows every task
        assert [log.getEffectiveLevel() for log in loggers] == [logging.DEBUG] * 2
    finally:
        for log, (level, handlers) in zip(loggers, before, strict=True):
            log.setLevel(level)
            log.handlers[:] = handlers


@pytest.mark.parametrize(
    ("addr", "port", "ipv6", "url"),
    [
        ("127.0.0.1", 8000, False, "http://127.0.0.1:8000/"),
        ("0.0.0.0", 8001, False, "http://127.0.0.1:8001/"),  # noqa: S104
        ("::", 8002, True, "http://[::1]:8002/"),
        ("localhost", 8003, False, "http://localhost:8003/"),
    ],
)
def test_served_url(addr: str, port: int, ipv6: bool, url: str) -> None:
    assert served_url(addr, port, ipv6) == url
