"""Running the real thing for tests/kannel: Kannel's bearerbox and smsbox with the
configuration the project ships (deploy/kannel/), its fake SMS centre client, and the
app under gunicorn with a task worker — each a process we start, own and kill.

Everything listens on 127.0.0.1 (the fake SMSC port binds all interfaces — Kannel has no
option for it — but ``connect-allow-ip`` refuses anyone else).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote_to_bytes

import requests

ROOT = Path(__file__).resolve().parents[2]
BEARERBOX = Path("/usr/sbin/bearerbox")
SMSBOX = Path("/usr/sbin/smsbox")
FAKESMSC = Path("/usr/lib/kannel/test/fakesmsc")  # in the kannel-extras package
RENDER = ROOT / "deploy" / "kannel" / "render.py"
# Console log level (-v): below 2 Kannel prints message text and numbers, below 4
# smsbox prints a failed POST's URL, the secret in it; without -v it prints everything.
KANNEL_VERBOSITY = "4"


# Deadlines for real processes to start or answer: generous, so a loaded machine (CI with
# other jobs beside it) is only slower, never a failure. Waits end as soon as they can.
START_SECONDS = 120


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# Ports for listeners that start long after they are chosen (Kannel's are written into a
# channel's settings and kannel.conf first) come from below Linux's ephemeral range: an
# outgoing connection made meanwhile (the browser, a database client) never takes them.
_LISTEN_PORTS = range(20000, 32000)
_taken: set[int] = set()


def listen_port() -> int:
    """A port nobody listens on, outside the ephemeral range, not handed out before."""
    for _ in range(1000):
        port = secrets.choice(_LISTEN_PORTS)
        if port in _taken:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("0.0.0.0", port))  # noqa: S104 (a probe, closed at once)
            except OSError:
                continue
        _taken.add(port)
        return port
    raise RuntimeError("no free port between 20000 and 32000")


def settle(condition: Callable[[], bool], timeout: float, interval: float = 0.25) -> bool:
    """Poll until ``condition`` holds or ``timeout`` seconds pass; say which."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return bool(condition())


def wait_until(
    condition: Callable[[], bool], timeout: float, what: str, interval: float = 0.1
) -> None:
    if not settle(condition, timeout, interval):
        raise TimeoutError(f"gave up after {timeout:.0f} s waiting for {what}")


def port_open(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True
    return False


class Processes:
    """Every process a test starts, each in its own session so that killing one kills
    its children (gunicorn's workers) and nothing else."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def start(
        self,
        name: str,
        argv: list[str],
        *,
        env: dict[str, str] | None = None,
        stdin: int | None = subprocess.DEVNULL,
        stdout: int | None = None,
    ) -> subprocess.Popen[bytes]:
        log = (self.log_dir / f"{name}.log").open("ab")
        process = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdin=stdin,
            stdout=stdout if stdout is not None else log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.running[name] = process
        return process

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.running.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def stop_all(self) -> None:
        for name in reversed(list(self.running)):
            self.kill(name, signal.SIGTERM)


@dataclass(frozen=True)
class KannelPorts:
    admin: int = field(default_factory=listen_port)
    smsbox: int = field(default_factory=listen_port)
    smsc: int = field(default_factory=listen_port)
    sendsms: int = field(default_factory=listen_port)
    admin_password: str = field(default_factory=lambda: secrets.token_urlsafe(16))

    @property
    def sendsms_url(self) -> str:
        return f"http://127.0.0.1:{self.sendsms}/cgi-bin/sendsms"

    def status(self) -> str:
        """bearerbox's status page (boxes and SMSC connections); "" while it is down."""
        try:
            return requests.get(
                f"http://127.0.0.1:{self.admin}/status.txt",
                params={"password": self.admin_password},
                timeout=2,
            ).text
        except requests.RequestException:
            return ""


def render_config(
    directory: Path,
    ports: KannelPorts,
    *,
    post_url: str,
    username: str,
    password: str,
    retries: int,
    retry_delay: int,
) -> Path:
    """deploy/kannel/render.py, run the way an administrator runs it."""
    output = directory / "kannel.conf"
    subprocess.run(
        [
            sys.executable, str(RENDER),
            "--sendsms-username", username,
            "--admin-port", str(ports.admin),
            "--smsbox-port", str(ports.smsbox),
            "--smsc-port", str(ports.smsc),
            "--sendsms-port", str(ports.sendsms),
            "--http-request-retry", str(retries),
            "--http-queue-delay", str(retry_delay),
            "--log-dir", str(directory / "log"),
            "--spool-dir", str(directory / "spool"),
            "--create-dirs",
            "-o", str(output),
        ],
        input=(
            f"post-url={post_url}\nsendsms-password={password}\n"
            f"admin-password={ports.admin_password}\n"
        ),
        text=True,
        check=True,
    )  # fmt: skip
    return output


def start_kannel(processes: Processes, config: Path, ports: KannelPorts) -> None:
    bearerbox = processes.start("bearerbox", [str(BEARERBOX), "-v", KANNEL_VERBOSITY, str(config)])
    # A bearerbox that exits (a port taken, a bad configuration) fails now, with its log.
    settle(lambda: port_open(ports.smsbox) or bearerbox.poll() is not None, START_SECONDS)
    if bearerbox.poll() is not None:
        log = (processes.log_dir / "bearerbox.log").read_text(errors="replace")
        raise RuntimeError(f"bearerbox exited ({bearerbox.returncode}):\n{log[-2000:]}")
    wait_until(lambda: port_open(ports.smsbox), 1, "bearerbox")
    processes.start("smsbox", [str(SMSBOX), "-v", KANNEL_VERBOSITY, str(config)])
    # smsbox opens sendsms before it reaches bearerbox; until then bearerbox holds MOs
    # ("smsbox_list empty!"). Start the traffic once the box is listed.
    wait_until(lambda: "smsbox:" in ports.status(), START_SECONDS, "smsbox connected to bearerbox")


@dataclass(frozen=True)
class Received:
    """A message the fake SMSC got from Kannel (an MT: our reply)."""

    sender: str
    receiver: str
    text: str


SENT = re.compile(rb"fakesmsc: sent message (\d+)")
GOT = re.compile(rb"Got message \d+: <(\S+) (\S+) (\S+) (.*)>$")


class FakeSMSC:
    """Drives ``fakesmsc`` in interactive mode: a line on stdin is an MO; an MT is printed
    as "Got message N: <from to type data>".

    fakesmsc select()s stdin and reads it through stdio, so lines written together sit in
    its buffer until the next write: each line waits for "sent message N" before the next.
    """

    def __init__(self, processes: Processes, port: int) -> None:
        self.process = processes.start(
            "fakesmsc",
            [str(FAKESMSC), "-H", "127.0.0.1", "-r", str(port), "-i", "0.001"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self.sent = 0
        self.received: list[Received] = []
        self._progress = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            line = raw.rstrip(b"\r\n")
            if sent := SENT.search(line):
                with self._progress:
                    self.sent = int(sent.group(1))
                    self._progress.notify_all()
            elif got := GOT.search(line):
                sender, receiver, kind, data = got.groups()
                with self._progress:
                    self.received.append(
                        Received(sender.decode(), receiver.decode(), _mt_text(kind, data))
                    )
                    self._progress.notify_all()

    def send(self, line: str, timeout: float = 60) -> None:
        assert self.process.stdin is not None
        target = self.sent + 1
        self.process.stdin.write(line.encode() + b"\n")
        self.process.stdin.flush()
        with self._progress:
            if not self._progress.wait_for(lambda: self.sent >= target, timeout):
                raise TimeoutError(f"fakesmsc did not send line {target}")

    def wait_for_mt(self, count: int, timeout: float) -> list[Received]:
        with self._progress:
            self._progress.wait_for(lambda: len(self.received) >= count, timeout)
            return list(self.received)


def _mt_text(kind: bytes, data: bytes) -> str:
    if kind == b"text":
        return data.decode("utf-8", "replace")
    raw = unquote_to_bytes(data.replace(b"+", b"%20"))  # form encoding: "+" is 0x20
    return raw.decode("utf-16-be" if kind == b"ucs-2" else "utf-8", "replace")


@dataclass
class App:
    """The app as in production: gunicorn (web) and ``manage.py db_worker`` (tasks)."""

    processes: Processes
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start_web(self, workers: int = 4) -> None:
        self.starts += 1
        self.processes.start(
            f"gunicorn-{self.starts}",
            [
                sys.executable, "-m", "gunicorn", "responsemap.wsgi",
                "-b", f"127.0.0.1:{self.port}", "-w", str(workers),
                "--timeout", "30", "--graceful-timeout", "5",
                "--no-control-socket",  # its default path is shared by every gunicorn
            ],
            env=self.env,
        )  # fmt: skip
        wait_until(self._healthy, START_SECONDS, "gunicorn")

    def kill_web(self) -> None:
        """SIGKILL to the whole gunicorn group: master and workers die mid-request."""
        self.processes.kill(f"gunicorn-{self.starts}", signal.SIGKILL)

    def start_worker(self, name: str = "db_worker", upkeep_interval: float = 5) -> None:
        self.processes.start(
            name,
            [
                sys.executable, "manage.py", "db_worker",
                "--interval", "0.05", "--no-startup-delay", "--no-reload",
                "--upkeep-interval", str(upkeep_interval),
            ],
            env=self.env,
        )  # fmt: skip

    def kill_worker(self, name: str = "db_worker") -> None:
        """SIGKILL: the worker dies mid-task, its task rows left "running"."""
        self.processes.kill(name, signal.SIGKILL)

    def _healthy(self) -> bool:
        try:
            return requests.get(f"{self.url}/healthz", timeout=1).status_code == 200
        except requests.RequestException:
            return False


def database_url(settings_dict: dict[str, object]) -> str:
    """The test database as a URL for the app's subprocesses (pytest-django's test_… DB
    on PostgreSQL, its file on SQLite)."""
    name = str(settings_dict["NAME"])
    if "sqlite" in str(settings_dict["ENGINE"]):
        return f"sqlite:///{name}"
    # As the application's role when the suite runs as it (CI: responsemap/testing_db.py).
    options: Any = settings_dict.get("OPTIONS") or {}
    user = quote(str(options.get("assume_role") or settings_dict.get("USER") or ""), safe="")
    password = quote(str(settings_dict.get("PASSWORD") or ""), safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{quote(name, safe='')}"
