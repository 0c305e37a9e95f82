"""The targets of bench_inbound and its results table."""

from __future__ import annotations

import argparse
from typing import Any

TARGET_RATE = 1000.0  # acknowledged messages a second
TARGET_RATIO = 0.40  # of the bare endpoint's requests a second
E2E_RATE = 300.0  # fed, and to be sustained end to end
E2E_TOLERANCE = 0.97  # the 5 s sampling and the pacing blur a rate by a few percent


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def capacity(cpu_ms: float, cores: int) -> float:
    """Requests a second ``cores`` could serve at ``cpu_ms`` of server CPU each (what the
    figures would be on an otherwise idle machine, load generator aside)."""
    return cores * 1000 / cpu_ms if cpu_ms else 0.0


def _rows(result: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = []
    cores = int(result.get("config", {}).get("cores") or 1)
    ack = result.get("acknowledged")
    if ack:
        d, pr, rp = ack["delivery"], ack["protection"], ack["replay"]
        rows += [
            ("bare Django POST, requests/s", f"{ack['bare_rate']:,.0f}", "(baseline)", ""),
            (
                "webhook acknowledged, msgs/s",
                f"{ack['rate']:,.0f}",
                f">= {TARGET_RATE:,.0f}",
                verdict(ack["rate"] >= TARGET_RATE),
            ),
            (
                "webhook / bare",
                f"{ack['ratio']:.2f}",
                f">= {TARGET_RATIO:.2f}",
                verdict(ack["ratio"] >= TARGET_RATIO),
            ),
            (
                "  floor (lean stack + 1 INSERT), msgs/s; / bare",
                f"{ack.get('floor_rate', 0):,.0f}; {ack.get('floor_ratio', 0):.2f}",
                "",
                "",
            ),
            ("webhook latency p50 / p99, ms", f"{ack['p50_ms']:.1f} / {ack['p99_ms']:.1f}", "", ""),
            (
                "server CPU a request, ms: bare / floor / webhook",
                f"{ack['bare_cpu_ms'].get('server', 0):.2f} / "
                f"{ack.get('floor_cpu_ms', {}).get('server', 0):.2f} / "
                f"{ack['cpu_ms'].get('server', 0):.2f}",
                "",
                "",
            ),
            (
                "  if both cores were the server's, msgs/s",
                f"{capacity(ack['cpu_ms'].get('server', 0), cores):,.0f}"
                f" (bare {capacity(ack['bare_cpu_ms'].get('server', 0), cores):,.0f})",
                "",
                "",
            ),
            (
                "  webhook: gunicorn / postgres, ms",
                f"{ack['cpu_ms'].get('gunicorn', 0):.2f} / {ack['cpu_ms'].get('postgres', 0):.2f}",
                "",
                "",
            ),
            (
                "  cores: gunicorn/postgres/wrk/other/idle",
                "/".join(
                    f"{ack['cores'].get(k, 0):.2f}"
                    for k in ("gunicorn", "postgres", "wrk", "other", "idle")
                ),
                "",
                "",
            ),
            (
                "acked ids = rows (lost, dup)",
                f"{d['acknowledged_stored']:,} = {d['rows'] - d['stored_in_flight_unanswered']:,}"
                f" ({d['lost']}, {d['duplicate_rows'] + d['acknowledged_twice']})",
                "0 lost, 0 dup",
                verdict(d["ok"]),
            ),
            (
                "stored, answer not read (in flight)",
                str(d["stored_in_flight_unanswered"]),
                "<= connections",
                "",
            ),
            (
                "sealed/normalised/indexed/audited",
                f"{pr['sampled']} sampled, {len(pr['problems'])} problems",
                "0 problems",
                verdict(pr["ok"]),
            ),
            (
                "new numbers -> consent notices due",
                f"{pr['new_contacts']} -> {pr['notices_queued']}",
                "equal",
                verdict(pr["new_contacts"] == pr["notices_queued"]),
            ),
            (
                "replayed requests -> new rows",
                f"{rp['replayed']} -> {sum(rp['rows_created'].values())}",
                "0 rows",
                verdict(rp["ok"]),
            ),
        ]
    e2e = result.get("end_to_end")
    if e2e:
        least = E2E_RATE * E2E_TOLERANCE
        lat = e2e.get("latency") or {}
        rows += [
            (
                f"e2e acknowledged, msgs/s (fed {E2E_RATE:g})",
                f"{e2e['acknowledged_rate']:,.1f}",
                f">= {least:g}",
                verdict(e2e["acknowledged_rate"] >= least),
            ),
            (
                f"e2e visible (redacted), last {e2e['window_s']:g} s",
                f"{e2e['visible_rate']:,.1f}",
                f">= {least:g}",
                verdict(e2e["visible_rate"] >= least),
            ),
            (
                f"messages waiting, slope at {e2e['stored_rate']:g} msgs/s, per s",
                f"{e2e['queue_slope_per_s']:+.1f}",
                f"<= {e2e['queue_growing_threshold_per_s']:g}",
                verdict(not e2e["queue_growing"]),
            ),
            (
                "received -> redacted p50 / p95, s",
                f"{lat.get('p50_s', '-')} / {lat.get('p95_s', '-')}",
                "",
                "",
            ),
            ("drain after the feed, s", str(e2e.get("drain_s") or "not drained"), "", ""),
            (
                "new numbers -> consent notices queued by the worker",
                f"{e2e.get('notices', {}).get('due', 0)} -> "
                f"{e2e.get('notices', {}).get('queued', 0)}",
                "equal",
                verdict(e2e.get("notices", {}).get("due") == e2e.get("notices", {}).get("queued")),
            ),
            (
                "feedback placed in the area its text names",
                f"{e2e.get('placed', 0):.3f}",
                "1.000",
                verdict(e2e.get("placed", 0) >= 0.999),
            ),
            (
                "  if both cores were the server's, msgs/s",
                f"{capacity(sum(e2e['cpu_ms_per_message'].values()), cores):,.0f}",
                "",
                "",
            ),
            (
                "  CPU a message, ms: gunicorn/db_workers/pg",
                "/".join(
                    f"{e2e['cpu_ms_per_message'].get(k, 0):.1f}"
                    for k in ("gunicorn", "db_workers", "postgres")
                ),
                "",
                "",
            ),
            (
                "  cores: gunicorn/postgres/db_workers/other/idle",
                "/".join(
                    f"{e2e['cores'].get(k, 0):.2f}"
                    for k in ("gunicorn", "postgres", "db_workers", "other", "idle")
                ),
                "",
                "",
            ),
        ]
    return rows


def print_table(result: dict[str, Any], args: argparse.Namespace) -> None:
    cfg = result.get("config", {})
    title = (
        f"inbound on {result.get('database', 'postgresql')}: gunicorn {cfg.get('gunicorn_workers')}"
        f" {cfg.get('worker_class', 'sync')} workers (x{cfg.get('threads', 1)} threads) on"
        f" {cfg.get('cores')} cores, wrk with {cfg.get('connections')}"
        f" connections ({cfg.get('e2e_connections')} paced), {cfg.get('db_workers')} db_workers"
        + (", --quick" if args.quick else "")
    )
    rows = _rows(result)
    print()
    print(title)
    if not rows:
        print("  (no figures: " + str(result.get("error") or result.get("skipped")) + ")")
        return
    head = ("measure", "figure", "target", "result")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(4)]
    for n, row in enumerate([head, *rows]):
        print(
            "  ".join(
                [
                    row[0].ljust(widths[0]),
                    *(c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)),
                ]
            )
        )
        if n == 0:
            print("  ".join("-" * w for w in widths))
    if result.get("error"):
        print(f"  (stopped early: {result['error']})")
