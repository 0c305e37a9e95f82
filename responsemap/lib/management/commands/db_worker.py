"""``manage.py db_worker``: django-tasks-db's worker, logging at the level settings give,
with an upkeep that takes up what dead workers left.

Logging: the upstream command sets its loggers to INFO at the default verbosity, one
line per task started and finished: the demo's first run printed about 4,000 of them.
Here the default verbosity keeps the levels of ``LOGGING`` (``TASKS_LOG_LEVEL``, WARNING
unless set: failures still show); ``-v 0`` silences it and ``-v 2`` shows everything, as
upstream. This app comes before ``django_tasks_db`` in ``INSTALLED_APPS`` so that this
command is the one ``db_worker`` runs (as staticfiles does with ``runserver``).

Upkeep: as it starts, and then every ``--upkeep-interval`` seconds in a thread of its
own (so a long task does not hold it up), the worker puts back in the queue the tasks
that have been running for longer than ``RESPONSEMAP_TASK_TIMEOUT_SECONDS`` — their
worker died (``lib.tasks.recover_abandoned_tasks``) — and runs what the apps registered
(``lib.tasks.register_upkeep``: a sweep queued when received messages wait with none
queued). Every worker does it; both are race-safe, so several at once move each row
once.
"""

from __future__ import annotations

import logging
import os
import threading
from argparse import ArgumentParser
from typing import Any

from django.db import connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as UpstreamCommand
from django_tasks_db.management.commands.db_worker import valid_interval

from responsemap.lib.tasks import run_upkeep

log = logging.getLogger(__name__)

UPKEEP_SECONDS = 5.0


def upkeep_safely() -> None:
    try:
        run_upkeep()
    except Exception as exc:  # noqa: BLE001 (the database away a moment: next round)
        log.warning("worker upkeep failed: %s", type(exc).__name__)


class Upkeep(threading.Thread):
    """``upkeep`` every ``interval`` seconds until the process ends (a daemon thread:
    it dies with the worker, as the worker's tasks do)."""

    def __init__(self, interval: float) -> None:
        super().__init__(name="db_worker upkeep", daemon=True)
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                upkeep_safely()
            finally:
                connections.close_all()  # this thread's own connections


class Command(UpstreamCommand):
    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        # Every queue by default (sends are on "outbound"); an idle worker looks for
        # work four times a second, not once: an urgent message's sweep and alert wait
        # on it (docs/alerts.md).
        parser.set_defaults(queue_name="*", interval=0.25)
        parser.add_argument(
            "--upkeep-interval",
            default=UPKEEP_SECONDS,
            type=valid_interval,
            help=(
                "seconds between two rounds of upkeep: tasks of dead workers queued again, "
                "waiting messages swept (default: %(default)r)"
            ),
        )

    def configure_logging(self, verbosity: int) -> None:
        if verbosity != 1:
            super().configure_logging(verbosity)
            return
        for name in ("django_tasks", "django_tasks_db"):
            if not logging.getLogger(name).hasHandlers():
                logging.getLogger(name).addHandler(logging.StreamHandler(self.stdout))

    def handle(self, *args: Any, **options: Any) -> None:
        interval = options.pop("upkeep_interval")
        # With --reload the tasks run in a child process (RUN_MAIN set): upkeep there.
        if not options["reload"] or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
            upkeep_safely()
            if interval:
                Upkeep(interval).start()
        super().handle(*args, **options)
