"""End to end: a paced feed with ``db_worker``s running, sampled every few seconds.

A message is visible in the inbox once its feedback record is redacted (webhook ->
InboundMessage -> a sweep, ``sweep_received`` -> Feedback, redacted and placed in
its area). The queue depth is the messages stored and not yet processed. Import after
setup.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from benchmarks import _inbound_procs as p
from benchmarks._inbound_data import read_answers
from benchmarks._inbound_report import E2E_RATE

if TYPE_CHECKING:
    from benchmarks.bench_inbound import Bench

SAMPLE_SECONDS = 5.0
WINDOW_SECONDS = 30.0


@dataclass
class Sample:
    t: float
    stored: int
    processed: int
    feedback: int
    redacted: int
    queue: int


def counts() -> tuple[int, int, int, int, int]:
    from responsemap.intake.messages.models import InboundMessage
    from responsemap.triage.models import Feedback

    return (
        InboundMessage.objects.count(),
        InboundMessage.objects.filter(state=InboundMessage.State.PROCESSED).count(),
        Feedback.objects.count(),
        Feedback.objects.filter(redacted_at__isnull=False).count(),
        InboundMessage.objects.filter(
            state=InboundMessage.State.RECEIVED, kind=InboundMessage.Kind.MESSAGE
        ).count(),
    )


class Sampler:
    """Counts relative to a baseline taken at the start of the feed."""

    def __init__(self) -> None:
        self.base = counts()
        self.start = time.monotonic()
        self.samples: list[Sample] = [Sample(0.0, 0, 0, 0, 0, self.base[4])]

    def take(self) -> Sample:
        now = counts()
        stored, processed, feedback, redacted = (
            n - b for n, b in zip(now[:4], self.base[:4], strict=True)
        )
        t = round(time.monotonic() - self.start, 2)
        sample = Sample(t, stored, processed, feedback, redacted, queue=now[4])
        self.samples.append(sample)
        return sample


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope (units a second)."""
    if len(points) < 2:
        return 0.0
    mean_t = statistics.fmean(t for t, _ in points)
    mean_y = statistics.fmean(y for _, y in points)
    den = sum((t - mean_t) ** 2 for t, _ in points)
    return sum((t - mean_t) * (y - mean_y) for t, y in points) / den if den else 0.0


def wait_idle(timeout: float) -> float | None:
    """Seconds until no message waits, no task is ready or running and every feedback
    record is redacted (None if that takes longer than ``timeout``)."""
    from django_tasks_db.models import DBTaskResult

    start = time.monotonic()
    while time.monotonic() - start < timeout:
        _, _, feedback, redacted, queue = counts()
        busy = DBTaskResult.objects.ready().exists() or DBTaskResult.objects.running().exists()
        if queue == 0 and redacted == feedback and not busy:
            return time.monotonic() - start
        time.sleep(0.5)
    return None


def latencies(since: datetime) -> dict[str, float]:
    """Received -> redacted, in seconds, for the feedback of messages received since."""
    from responsemap.triage.models import Feedback

    rows = Feedback.objects.filter(received_at__gte=since, redacted_at__isnull=False)
    pairs = rows.values_list("received_at", "redacted_at")
    lags = sorted((done - got).total_seconds() for got, done in pairs if done is not None)
    if not lags:
        return {}
    return {
        "p50_s": round(lags[len(lags) // 2], 2),
        "p95_s": round(lags[int(len(lags) * 0.95)], 2),
        "max_s": round(lags[-1], 2),
    }


def summarise(sampler: Sampler, duration: float, rate: float) -> dict[str, Any]:
    samples = sampler.samples
    end = max((s.t for s in samples if s.t <= duration + 1), default=0.0)
    window = [s for s in samples if end - min(WINDOW_SECONDS, duration) - 0.5 <= s.t <= end + 0.5]
    stored_rate = slope([(s.t, s.stored) for s in window])
    visible_rate = slope([(s.t, s.redacted) for s in window])
    queue_slope = slope([(s.t, s.queue) for s in window])
    growing_above = max(5.0, 0.04 * rate)  # 4% of the feed a second
    return {
        "window_s": round(window[-1].t - window[0].t, 1) if window else 0,
        "stored_rate": round(stored_rate, 1),
        "visible_rate": round(visible_rate, 1),
        "queue_slope_per_s": round(queue_slope, 2),
        "queue_growing": queue_slope > growing_above,
        "queue_growing_threshold_per_s": growing_above,
        "samples": [asdict(s) for s in samples],
    }


def run_end_to_end(bench: Bench) -> dict[str, Any]:
    """db_workers on, a warm-up, then the paced feed sampled every few seconds."""
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    a, conns = bench.args, bench.args.e2e_connections
    DBTaskResult.objects.all().delete()  # the first part's backlog is not this part's work
    # Statistics for the tables the first part filled, as autovacuum gives a deployment
    # (it is off on the CI machine's PostgreSQL): without them the planner takes the tables
    # for empty and the sweep's duplicate lookup and the task claims turn quadratic.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    bench.task_workers = p.start_task_workers(bench.procs, a.task_workers)
    warm = bench.requests("w2", int(E2E_RATE * 5), conns)
    feed = bench.requests("p2", int(E2E_RATE * (a.e2e_duration + 5)), conns)
    print(f"end to end: {a.task_workers} db_workers, warm-up at {E2E_RATE:g}/s...", flush=True)
    bench.load("wrk_w2", bench.inbound_url, warm, 4, E2E_RATE)
    if wait_idle(120) is None:
        print("(the warm-up backlog did not drain within 120 s)")
    print(f"feeding {E2E_RATE:g} msgs/s for {a.e2e_duration} s:", flush=True)
    since = datetime.now(tz=UTC)
    holder: dict[str, Any] = {}

    def sample_while_loaded() -> None:
        sampler = holder["sampler"] = Sampler()
        for n in range(1, int(a.e2e_duration // SAMPLE_SECONDS) + 1):
            time.sleep(max(0.0, sampler.start + n * SAMPLE_SECONDS - time.monotonic()))
            s = sampler.take()
            print(
                f"  t={s.t:5.1f}s stored={s.stored:6d} processed={s.processed:6d} "
                f"feedback={s.feedback:6d} redacted={s.redacted:6d} queue={s.queue:6d}",
                flush=True,
            )

    run, cpu = bench.load(
        "wrk_e2e", bench.inbound_url, feed, a.e2e_duration, E2E_RATE, during=sample_while_loaded
    )
    answers = read_answers(feed.directory, conns)
    result = summarise(holder["sampler"], a.e2e_duration, E2E_RATE)
    result["acknowledged_rate"] = round(len(answers.stored) / run.seconds, 1)
    result["refused"] = dict(answers.refused)
    result["p50_ms"], result["p99_ms"] = run.p50_ms, run.p99_ms
    result["cores"] = cpu
    carried = max(holder["sampler"].samples[-1].stored, 1)
    result["cpu_ms_per_message"] = {
        k: round(1000 * cpu.get(k, 0.0) * run.seconds / carried, 2)
        for k in ("gunicorn", "db_workers", "postgres")
    }
    drain = wait_idle(60 if a.quick else 120)
    result["drain_s"] = None if drain is None else round(drain, 1)
    result["latency"] = latencies(since)
    result["placed"] = placed_share(since)
    result["notices"] = notices_sent()
    return result


def notices_sent() -> dict[str, int]:
    """After the drain: every first message from a new number (both parts) has had its
    consent notice queued by the worker."""
    from responsemap.intake.messages.models import InboundMessage, OutboundMessage

    due = InboundMessage.objects.filter(new_contact=True).count()
    queued = OutboundMessage.objects.filter(purpose=OutboundMessage.Purpose.NOTICE).count()
    return {"due": due, "queued": queued}


def placed_share(since: datetime) -> float:
    """Share of the feed's redacted feedback placed in an area (every bench text names
    a commune of the bench geography, so 1.0 is expected)."""
    from responsemap.triage.models import Feedback

    done = Feedback.objects.filter(received_at__gte=since, redacted_at__isnull=False)
    total = done.count()
    return round(done.filter(area__isnull=False).count() / total, 3) if total else 0.0
