"""``manage.py db_worker``: django-tasks-db's worker, logging at the level settings give.

The upstream command sets its loggers to INFO at the default verbosity, one line per
task started and finished: the demo's first run printed about 4,000 of them. Here the
default verbosity keeps the levels of ``LOGGING`` (``TASKS_LOG_LEVEL``, WARNING unless
set: failures still show); ``-v 0`` silences it and ``-v 2`` shows everything, as
upstream. This app comes before ``django_tasks_db`` in ``INSTALLED_APPS`` so that this
command is the one ``db_worker`` runs (as staticfiles does with ``runserver``).
"""

from __future__ import annotations

import logging

from django_tasks_db.management.commands.db_worker import Command as UpstreamCommand


class Command(UpstreamCommand):
    def configure_logging(self, verbosity: int) -> None:
        if verbosity != 1:
            super().configure_logging(verbosity)
            return
        for name in ("django_tasks", "django_tasks_db"):
            if not logging.getLogger(name).hasHandlers():
                logging.getLogger(name).addHandler(logging.StreamHandler(self.stdout))
