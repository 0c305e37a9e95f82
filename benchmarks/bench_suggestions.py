"""Measure triage suggestions on the held-aside test split of the labelled messages
(``responsemap/triage/suggestions/data/*.jsonl``, ``"split": "test"``).

Usage: python benchmarks/bench_suggestions.py

Candidates, each trained on the ``train`` split only:

- ``cues``: the cue phrases alone for urgency; type and sector the training set's most
  frequent (a floor to beat);
- ``model``: the character n-gram model alone (urgent by its score and threshold);
- ``model+cues``: what ships — the model, with a cue making a message urgent too.

Per language and overall: type accuracy, sector accuracy, urgent recall and precision.
Throughput is messages per second on one core (CPU time of the process; batches of 100
as the worker sweeps them, and one message at a time). Load time: reading the cached
model, and training it from the data files at first use. Reports figures and PASS/FAIL
against the targets, then a ``RESULT {json}`` line; always exits 0.
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")  # one core

import json  # noqa: E402
import math  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections import Counter, defaultdict  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "responsemap.test_settings")

import django  # noqa: E402

django.setup()

from responsemap.triage.rules.matching import normalise_for_rules  # noqa: E402
from responsemap.triage.suggestions.bars import (  # noqa: E402
    ALERT_PRECISION_GOAL,
    PROTECTION_BAR,
    PROTECTION_RECALL_GOAL,
    URGENT_ALERT_BAR,
    highest_bar_for_recall,
    lowest_bar_for_precision,
    recall_precision,
)
from responsemap.triage.suggestions.cues import find_cues  # noqa: E402
from responsemap.triage.suggestions.dataset import Example, load_examples  # noqa: E402
from responsemap.triage.suggestions.model import Suggester, train  # noqa: E402

TARGETS = {
    "type_accuracy": 0.80,
    "sector_accuracy": 0.75,
    "urgent_recall": 0.95,
    "urgent_precision": 0.60,
    "messages_per_second": 200.0,
    "load_seconds": 5.0,
}
Prediction = tuple[str, str, bool]


def scores(examples: Sequence[Example], predicted: Sequence[Prediction]) -> dict[str, Any]:
    n = len(examples)
    urgent = sum(e.urgent for e in examples)
    flagged = sum(p[2] for p in predicted)
    hits = sum(e.urgent and p[2] for e, p in zip(examples, predicted, strict=True))
    return {
        "n": n,
        "type_accuracy": round(
            sum(e.type_code == p[0] for e, p in zip(examples, predicted, strict=True)) / n, 3
        ),
        "sector_accuracy": round(
            sum(e.sector == p[1] for e, p in zip(examples, predicted, strict=True)) / n, 3
        ),
        "urgent": urgent,
        "urgent_recall": round(hits / urgent, 3) if urgent else None,
        "urgent_precision": round(hits / flagged, 3) if flagged else None,
    }


def by_language(
    examples: Sequence[Example], predicted: Sequence[Prediction]
) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[int]] = defaultdict(list)
    for n, e in enumerate(examples):
        groups[e.lang or "?"].append(n)
    found = {"all": scores(examples, predicted)}
    for lang in sorted(groups):
        found[lang] = scores(
            [examples[n] for n in groups[lang]], [predicted[n] for n in groups[lang]]
        )
    return found


def cues_only(train_set: Sequence[Example]) -> Callable[[Sequence[str]], list[Prediction]]:
    common_type = Counter(e.type_code for e in train_set).most_common(1)[0][0]
    common_sector = Counter(e.sector for e in train_set).most_common(1)[0][0]

    def predict(texts: Sequence[str]) -> list[Prediction]:
        return [
            (common_type, common_sector, find_cues(normalise_for_rules(t)).urgent) for t in texts
        ]

    return predict


def of_model(model: Suggester, cue_union: bool) -> Callable[[Sequence[str]], list[Prediction]]:
    def predict(texts: Sequence[str]) -> list[Prediction]:
        return [
            (s.type_code, s.sector, s.urgent) for s in model.suggest(texts, cue_union=cue_union)
        ]

    return predict


def bars_on_held_aside(model: Suggester, test_set: Sequence[Example]) -> dict[str, Any]:
    """The bars chosen on the held-aside set by the model trained without it, and the
    recall and precision at each: showing urgent (the model's threshold), alerting
    (``URGENT_ALERT_BAR``) and hiding as a protection case (``PROTECTION_BAR``), against
    the rule before the protection bar (a cue, or protection the suggested type or
    sector)."""
    import numpy as np

    said = model.suggest([e.text for e in test_set])
    urgent_truth = np.array([e.urgent for e in test_set])
    protection_truth = np.array(["protection" in (e.type_code, e.sector) for e in test_set])
    urgent_score = np.array([s.urgent_score for s in said])
    cued = np.array([bool(s.cues) for s in said])
    protection_score = np.array([s.protection_score for s in said])
    before = np.array(
        [
            find_cues(normalise_for_rules(e.text)).protection
            or "protection" in (s.type_code, s.sector)
            for e, s in zip(test_set, said, strict=True)
        ]
    )

    def figures(flagged: Any, truth: Any) -> dict[str, Any]:
        recall, precision = recall_precision(flagged, truth)
        return {
            "flagged": int(flagged.sum()),
            "recall": round(recall, 3),
            "precision": round(precision, 3),
        }

    shown = np.array([s.urgent for s in said])
    alerted = np.array([s.alert for s in said])
    hidden = np.array([s.protection for s in said])
    return {
        "urgent_cases": int(urgent_truth.sum()),
        "protection_cases": int(protection_truth.sum()),
        "show_bar": round(model.urgent_threshold, 3),
        "alert_bar_chosen": _floor4(
            lowest_bar_for_precision(urgent_score, cued, urgent_truth, ALERT_PRECISION_GOAL)
        ),
        "alert_bar_shipped": URGENT_ALERT_BAR,
        "protection_bar_chosen": _floor4(
            highest_bar_for_recall(
                protection_score, before, protection_truth, PROTECTION_RECALL_GOAL
            )
        ),
        "protection_bar_shipped": PROTECTION_BAR,
        "shown_urgent": figures(shown, urgent_truth),
        "alerted": figures(alerted, urgent_truth),
        "hidden_as_protection": figures(hidden, protection_truth),
        "hidden_before_the_bar": figures(before, protection_truth),
    }


def _floor4(bar: float | None) -> float | None:
    """A bar as a constant would hold it: rounded down, so the score it was chosen at
    still reaches it."""
    return None if bar is None else math.floor(bar * 10_000) / 10_000


def print_bars(bars: dict[str, Any]) -> None:
    print()
    print(
        f"bars on the held-aside set ({bars['urgent_cases']} urgent, "
        f"{bars['protection_cases']} protection cases; model trained on train only):"
    )
    print(
        f"  alert bar: chosen {bars['alert_bar_chosen']} (lowest with precision >= "
        f"{ALERT_PRECISION_GOAL}), shipped {bars['alert_bar_shipped']}"
    )
    print(
        f"  protection bar: chosen {bars['protection_bar_chosen']} (highest with "
        f"recall >= {PROTECTION_RECALL_GOAL}), shipped {bars['protection_bar_shipped']}"
    )
    for label, key in (
        (f"shown urgent (bar {bars['show_bar']})", "shown_urgent"),
        ("alerted (alert bar or a cue)", "alerted"),
        ("hidden as protection (bar)", "hidden_as_protection"),
        ("hidden, rule before the bar", "hidden_before_the_bar"),
    ):
        row = bars[key]
        print(
            f"  {label:<36} flagged {row['flagged']:>4}  recall {row['recall']:.3f}  "
            f"precision {row['precision']:.3f}"
        )


def rate(model: Suggester, texts: Sequence[str], batch: int) -> float:
    """Messages per CPU second, median of 3 passes over at least 1,000 messages."""
    passes = []
    pool = list(texts) * max(1, 1000 // max(1, len(texts)) + 1)
    for _ in range(3):
        start = time.process_time()
        for n in range(0, len(pool), batch):
            model.suggest(pool[n : n + batch])
        passes.append(len(pool) / max(time.process_time() - start, 1e-9))
    return statistics.median(passes)


def verdict(name: str, value: float | None, higher: bool = True) -> str:
    target = TARGETS[name]
    if value is None:
        return "n/a"
    ok = value >= target if higher else value <= target
    ratio = value / target if higher else target / max(value, 1e-9)
    return f"{'PASS' if ok else 'FAIL'} (target {target}, ratio {ratio:.2f})"


def main() -> int:
    train_set, test_set = load_examples("train"), load_examples("test")
    print(f"labelled messages: {len(train_set)} train, {len(test_set)} test")
    print("test split by language:", dict(Counter(e.lang for e in test_set)))
    if not train_set or not test_set:
        print("RESULT " + json.dumps({"skipped": "no labelled data"}))
        return 0
    start = time.perf_counter()
    model = train(train_set)
    train_seconds = time.perf_counter() - start
    blob = model.to_bytes()
    start = time.perf_counter()
    Suggester.from_bytes(blob)
    load_seconds = time.perf_counter() - start
    start, cpu = time.perf_counter(), time.process_time()
    shipped = train(load_examples())
    first_use_seconds = time.perf_counter() - start
    first_use_cpu = time.process_time() - cpu
    texts = [e.text for e in test_set]
    candidates = {
        "cues": cues_only(train_set),
        "model": of_model(model, cue_union=False),
        "model+cues": of_model(model, cue_union=True),
    }
    results: dict[str, Any] = {}
    for name, predict in candidates.items():
        results[name] = by_language(test_set, predict(texts))
    print(f"{'candidate':<11} {'lang':<6} {'n':>4} {'type':>6} {'sector':>7}", end="")
    print(f" {'urg.rec':>8} {'urg.prec':>9}")
    for name, table in results.items():
        for lang, row in table.items():
            print(
                f"{name:<11} {lang:<6} {row['n']:>4} {row['type_accuracy']:>6.3f} "
                f"{row['sector_accuracy']:>7.3f} {_f(row['urgent_recall']):>8} "
                f"{_f(row['urgent_precision']):>9}"
            )
    bars = bars_on_held_aside(model, test_set)
    print_bars(bars)
    batched = rate(shipped, texts, 100)
    single = rate(shipped, texts[:200], 1)
    best = results["model+cues"]["all"]
    print()
    print(f"urgent threshold: {model.urgent_threshold:.3f} (set by cross-validation on train)")
    print(f"model size: {len(blob) / 1024:.0f} KiB; trained in {train_seconds:.2f} s")
    lines = [
        (
            "type accuracy",
            _f(best["type_accuracy"]),
            verdict("type_accuracy", best["type_accuracy"]),
        ),
        (
            "sector accuracy",
            _f(best["sector_accuracy"]),
            verdict("sector_accuracy", best["sector_accuracy"]),
        ),
        (
            "urgent recall",
            _f(best["urgent_recall"]),
            verdict("urgent_recall", best["urgent_recall"]),
        ),
        (
            "urgent precision",
            _f(best["urgent_precision"]),
            verdict("urgent_precision", best["urgent_precision"]),
        ),
        (
            "msgs/s (batches of 100, one core)",
            f"{batched:,.0f}",
            verdict("messages_per_second", batched),
        ),
        (
            "msgs/s (one at a time, one core)",
            f"{single:,.0f}",
            verdict("messages_per_second", single),
        ),
        (
            "load (cached model)",
            f"{load_seconds:.3f} s",
            verdict("load_seconds", load_seconds, higher=False),
        ),
        (
            "load (first use: train from data)",
            f"{first_use_seconds:.2f} s",
            verdict("load_seconds", first_use_seconds, higher=False),
        ),
        (
            "  the same in CPU time (one core)",
            f"{first_use_cpu:.2f} s",
            verdict("load_seconds", first_use_cpu, higher=False),
        ),
    ]
    for label, value, said in lines:
        print(f"{label:<35} {value:>9}  {said}")
    summary = {
        "train": len(train_set),
        "test": len(test_set),
        "candidates": results,
        "urgent_threshold": round(model.urgent_threshold, 3),
        "bars": bars,
        "messages_per_second_batched": round(batched),
        "messages_per_second_single": round(single),
        "load_seconds_cached": round(load_seconds, 3),
        "load_seconds_first_use": round(first_use_seconds, 2),
        "load_cpu_seconds_first_use": round(first_use_cpu, 2),
        "model_kib": round(len(blob) / 1024),
    }
    print("RESULT " + json.dumps(summary), flush=True)
    return 0


def _f(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


if __name__ == "__main__":
    sys.exit(main())
