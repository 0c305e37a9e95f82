"""``manage.py serve``: the embedded default's web server and task worker in one command.

For one machine. Many machines run ``gunicorn responsemap.wsgi`` and
``manage.py db_worker`` as separate services (docs/deploy.md).

The worker starts once the web server is listening and runs in its own process
group, so stopping ``serve`` reaches the worker and anything it started, whatever
stopped it: Ctrl-C, ``kill`` (SIGTERM: systemd, docker stop) or a closed terminal
(SIGHUP). The address served, and what ``--announce`` prints (``make run``: the
demo accounts), come last, once the port answers, where a newcomer sees them.

DEBUG is off unless asked for (``DEBUG=true make run``: developer mode, said so at
start): the development server then serves no static files itself, and WhiteNoise
serves them from the apps' directories (``WHITENOISE_USE_FINDERS`` outside production).
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path
from types import FrameType
from typing import Any

from django.conf import settings
from django.contrib.staticfiles.management.commands.runserver import (
    Command as RunserverCommand,
)
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
WORKER_GRACE_SECONDS = 10


class Worker:
    """``manage.py db_worker`` in a process group of its own."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and manage.py)
            # No reloader: it would fork a child that outlives a SIGTERM to its parent.
            [sys.executable, str(settings.BASE_DIR / "manage.py"), "db_worker", "--no-reload"],
            process_group=0,
        )

    def stop(self) -> None:
        if self.process is None:
            return
        group = self.process.pid
        _signal_group(group, signal.SIGTERM)
        try:
            self.process.wait(timeout=WORKER_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            _signal_group(group, signal.SIGKILL)
            self.process.wait()
        # Anything the worker started and left behind goes with it.
        _signal_group(group, signal.SIGKILL)


def _signal_group(group: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # the group is empty: all have exited
        os.killpg(group, signum)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    # The development server stops cleanly on KeyboardInterrupt (Ctrl-C); SIGTERM and
    # SIGHUP take the same path so the worker is stopped in every case.
    raise KeyboardInterrupt


def served_url(addr: str, port: int, ipv6: bool) -> str:
    """The address to open in a browser (a wildcard bind is reached on loopback)."""
    host = {"0.0.0.0": "127.0.0.1", "::": "::1", "0": "127.0.0.1"}.get(addr, addr)  # noqa: S104
    if ipv6 or ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/"


class ServeCommand(RunserverCommand):
    """The development server that starts the worker once bound."""

    addr: str  # set by runserver's handle(); the stubs don't declare them
    use_ipv6: bool

    def __init__(self, worker: Worker, announce: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.worker, self.announce = worker, announce

    def on_bind(self, server_port: int) -> None:
        super().on_bind(server_port)
        self.worker.start()
        url = served_url(self.addr, server_port, self.use_ipv6)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Community Response Map is serving at {url}"))
        if settings.DEBUG:
            self.stdout.write(
                self.style.WARNING(
                    "Developer mode (DEBUG=true): error pages show settings, requests and "
                    "local values. Never with real data."
                )
            )
        if self.announce:
            call_command(*shlex.split(self.announce), url=url)
        self.stdout.flush()


class Command(BaseCommand):
    help = (
        "Serve the web app and run the task worker together (Ctrl-C, SIGTERM or SIGHUP stops both)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000", help="[address:]port to serve")
        parser.add_argument(
            "--announce",
            default="",
            help=(
                "a management command (with its options) to run once the server answers; "
                "it is given --url, the address served (make run: 'seed_demo --accounts-only')"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # WhiteNoise also looks in STATIC_ROOT, and warns when it does not exist (no
        # collectstatic on one machine): an empty one, inside var/.
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True, mode=0o700)
        worker = Worker()
        previous = {signum: signal.signal(signum, _interrupt) for signum in STOP_SIGNALS}
        try:
            server = ServeCommand(worker, options["announce"])
            call_command(server, options["addr"], use_reloader=False)
        except KeyboardInterrupt:
            pass
        finally:
            # A second signal must not cut the worker's shutdown short.
            for signum in STOP_SIGNALS:
                signal.signal(signum, signal.SIG_IGN)
            worker.stop()
            for signum, handler in previous.items():
                signal.signal(signum, handler)
