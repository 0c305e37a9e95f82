"""Urgent alert latency: from a webhook's message acknowledged to its notification stored.

    python -m benchmarks.bench_alerts [--database-url URL] [--var-dir DIR]
                                      [--rate N] [--seconds N] [--workers N] [--quick]

Messages arrive at ``--rate`` a second (default 100) for ``--seconds`` (30; 10 with
--quick), fed by 4 threads through the webhook's own receiving action
(``do_receive_message``: stored with its receipt, a sweep scheduled after commit; its
return is the moment the webhook acknowledges). One in ten carries a protection word of
the default rules. ``--workers`` real ``manage.py db_worker`` processes (default 2) do
the rest as in production: the sweep makes the records (rules matched at birth), the
``raise_alert`` task stores the alert and a notification per person. For each urgent
message: notification ``created_at`` minus its acknowledgement time; prints p50, p95
and max against the 2 s target (issue 10), the rate achieved, and a ``RESULT {json}``
line. Figures are reported, not enforced.

Runs in a throwaway environment like the other benchmarks, with the database task
backend (the workers need it). Every worker started is stopped in a ``finally``.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from benchmarks._env import REPO_ROOT, apply_bench_env
from benchmarks._inbound_procs import worker_command

TARGET_P95_S = 2.0
FEEDERS = 4
URGENT_EVERY = 10
URGENT = "Il m'a menacée avec un couteau devant le point d'eau"
PLAIN = "Le point d'eau du bloc {n} est en panne depuis lundi"
SENDERS = 200


def sender_of(n: int) -> str:
    return f"+509370{n % SENDERS:05d}"


def setup() -> tuple[Any, Any]:
    from responsemap.accounts.actions import do_add_member
    from responsemap.accounts.models import User
    from responsemap.intake.channels.actions import do_create_channel
    from responsemap.intake.channels.queries import load_inbound_channel
    from responsemap.intake.contacts.actions import do_get_or_create_contact
    from responsemap.projects.actions import do_create_organisation, do_create_project
    from responsemap.projects.models import Project

    organisation = do_create_organisation(name="Bench", slug="bench")
    project = do_create_project(
        organisation=organisation,
        name="Benchmark",
        slug="benchmark",
        country="HT",
        languages=["fr", "en"],
        purpose="Benchmark",
        status=Project.Status.ACTIVE,
    )
    for role in ("officer", "protection", "manager"):
        user = User.objects.create_user(role, email=f"{role}@example.org", password=None)
        do_add_member(project_id=project.pk, user=user, role_code=role)
    channel = do_create_channel(project_id=project.pk, kind="webhook", name="bench relay")
    # Known senders, as in a running project: no consent notice to send for each.
    for n in range(SENDERS):
        do_get_or_create_contact(project_id=project.pk, country="HT", raw_phone=sender_of(n))
    loaded = load_inbound_channel(channel.pk)
    assert loaded is not None
    return channel, loaded


def feed(channel: Any, loaded: Any, rate: float, seconds: float) -> dict[str, datetime]:
    """Paced messages from ``FEEDERS`` threads; the acknowledgement time of each urgent
    one, by provider message id."""
    from django.db import connection
    from django.utils import timezone

    from responsemap.intake.channels.base import Inbound
    from responsemap.intake.messages.receive import do_receive_message

    acknowledged: dict[str, datetime] = {}
    lock = threading.Lock()
    start = time.monotonic()
    per_thread = rate / FEEDERS
    total = int(rate * seconds)

    def run(k: int) -> None:
        try:
            for i in range(k, total, FEEDERS):
                due = start + (i // FEEDERS) / per_thread
                time.sleep(max(0.0, due - time.monotonic()))
                urgent = i % URGENT_EVERY == 0
                text = URGENT if urgent else PLAIN.format(n=i % 40)
                sender = sender_of(i)
                do_receive_message(channel, Inbound(f"b{i}", sender, text), loaded=loaded)
                if urgent:
                    with lock:
                        acknowledged[f"b{i}"] = timezone.now()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(k,)) for k in range(FEEDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - start
    print(f"  fed {total} messages in {elapsed:.1f} s ({total / elapsed:.1f}/s)", flush=True)
    acknowledged["__rate__"] = total / elapsed  # type: ignore[assignment]
    return acknowledged


def notified_at() -> dict[str, tuple[datetime, datetime]]:
    """(record stored, first notification) of each alerted message, by provider id."""
    from django.db.models import Min

    from responsemap.triage.alerts.models import Notification

    rows = (
        Notification.objects.filter(kind="alert")
        .values(
            "alert__feedback__inbound_message__provider_message_id",
            "alert__feedback__created_at",
        )
        .annotate(first=Min("created_at"))
    )
    return {
        r["alert__feedback__inbound_message__provider_message_id"]: (
            r["alert__feedback__created_at"],
            r["first"],
        )
        for r in rows
    }


def ordinary_raised(urgent_ids: set[str]) -> dict[str, int]:
    """How the ordinary (not urgent) messages fared: alerted on (by a suggestion above
    the alert bar), or shown "possibly urgent" only (above the show bar, below the alert
    bar; ``triage.suggestions.bars``)."""
    from responsemap.triage.alerts.models import Alert
    from responsemap.triage.models import Feedback
    from responsemap.triage.suggestions.models import Suggestion

    ordinary = Feedback.objects.exclude(inbound_message__provider_message_id__in=urgent_ids)
    ids = ordinary.values("pk")
    return {
        "ordinary": ordinary.count(),
        "ordinary_alerted": Alert.objects.filter(feedback_id__in=ids).count(),
        "ordinary_possibly_urgent": Suggestion.objects.filter(
            feedback_id__in=ids, urgent=True, alerted=False
        ).count(),
    }


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50_s": round(ordered[len(ordered) // 2], 3),
        "p95_s": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 3),
        "max_s": round(ordered[-1], 3),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_alerts")
    parser.add_argument("--database-url", help="default: a fresh SQLite file in the var dir")
    parser.add_argument("--var-dir", type=Path, help="default: a new temporary directory")
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="10 s of feed")
    args = parser.parse_args(argv)
    seconds = args.seconds or (10.0 if args.quick else 30.0)

    var_dir = apply_bench_env(args.var_dir, args.database_url)
    (var_dir / "static").mkdir(exist_ok=True)
    if args.var_dir is None:
        atexit.register(shutil.rmtree, var_dir, ignore_errors=True)
    os.environ["TASKS_BACKEND"] = "django_tasks_db.DatabaseBackend"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    channel, loaded = setup()
    # The suggestions' base model is trained once and cached under the var dir, as on
    # a machine that has run before: the workers load it instead of training it.
    from responsemap.triage.suggestions.loading import base_suggester

    base_suggester()
    vendor = connection.vendor
    connection.close()
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    command = [sys.executable, "manage.py", "db_worker", "--no-startup-delay", "--no-reload"]
    workers = [
        subprocess.Popen(
            worker_command(command, n, args.workers),
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        for n in range(args.workers)
    ]
    try:
        time.sleep(3)  # the workers start (imports, first upkeep)
        print(
            f"alerts on {vendor}: {args.rate:g} msgs/s for {seconds:g} s, "
            f"{args.workers} db_workers, one in {URGENT_EVERY} urgent",
            flush=True,
        )
        acknowledged = feed(channel, loaded, args.rate, seconds)
        rate = float(acknowledged.pop("__rate__"))  # type: ignore[arg-type]
        deadline = time.monotonic() + 60
        notified = notified_at()
        while len(set(acknowledged) & set(notified)) < len(acknowledged):
            if time.monotonic() > deadline:
                break
            time.sleep(0.5)
            notified = notified_at()
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
    done = [ref for ref in acknowledged if ref in notified]
    missing = len(acknowledged) - len(done)
    figures: dict[str, Any] = {
        "urgent": len(acknowledged),
        "missing": missing,
        "rate": round(rate, 1),
        **ordinary_raised(set(acknowledged)),
    }
    print(
        f"  ordinary messages: {figures['ordinary']}, of which alerted "
        f"{figures['ordinary_alerted']}, shown 'possibly urgent' only "
        f"{figures['ordinary_possibly_urgent']}",
        flush=True,
    )
    if done:
        figures |= percentiles([(notified[r][1] - acknowledged[r]).total_seconds() for r in done])
        # Where the time goes: the sweep making the record, then the alert task.
        to_record = percentiles([(notified[r][0] - acknowledged[r]).total_seconds() for r in done])
        to_alert = percentiles([(notified[r][1] - notified[r][0]).total_seconds() for r in done])
        figures["to_record"], figures["record_to_notification"] = to_record, to_alert
        print(
            f"  acknowledged -> notification stored, {len(done)} urgent messages: "
            f"p50 {figures['p50_s']:.2f} s, p95 {figures['p95_s']:.2f} s "
            f"(target {TARGET_P95_S:g} s), max {figures['max_s']:.2f} s; {missing} missing\n"
            f"    of which acknowledged -> record: p50 {to_record['p50_s']:.2f} s, "
            f"p95 {to_record['p95_s']:.2f} s; record -> notification: "
            f"p50 {to_alert['p50_s']:.2f} s, p95 {to_alert['p95_s']:.2f} s",
            flush=True,
        )
    print(
        "RESULT " + json.dumps({"benchmark": "alerts", "database": vendor, **figures}), flush=True
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
