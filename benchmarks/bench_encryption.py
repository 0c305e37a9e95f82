"""Encrypted ``Feedback.content`` against a plain-text twin, on one database.

    python -m benchmarks.bench_encryption [--database-url URL] [--var-dir DIR]
                                          [--records N] [--quick] [--profile]

Writes (bulk_create per batch, save() per row with a transaction per batch) and reads
(present() masked, present() revealing with its audit event, open_for_system()) are
timed on both tables; each read includes loading the rows. The plain side formats the
same catalogued fields the way view code would without the privacy kernel. Each figure
is the best of 3 alternating runs per side (2 with --quick); the target is encrypted
throughput >= 50% of plain. Prints a table and, last, a ``RESULT {json}`` line.

Runs in a throwaway environment: settings are read from variables this module sets
before ``django.setup()``; without --var-dir, a temporary directory is made and removed.
"""

from __future__ import annotations

import argparse
import atexit
import itertools
import json
import random
import shutil
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks._env import apply_bench_env
from benchmarks._report import Comparison, profile, table, timed

BATCH = 100
PAGE = 50  # records on an inbox page
SOURCES = ["sms", "hotline", "web", "whatsapp"]
SECTORS = ["food", "wash", "shelter", "health", "cash", "uncoded"]
URGENCIES = ["low", "normal", "high"]


def make_specs(n: int, seed: int = 20240601) -> list[dict[str, Any]]:
    """Field values for ``n`` records, the same for both tables (content 60-600 chars)."""
    from faker import Faker

    fake = Faker(["fr_FR", "en_US"])
    fake.seed_instance(seed)
    rng = random.Random(seed)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    return [
        {
            "source": rng.choice(SOURCES),
            "received_at": start + timedelta(minutes=i),
            "language": rng.choice(["fr", "en"]),
            "sector": rng.choice(SECTORS),
            "urgency": rng.choice(URGENCIES),
            "content": fake.text(max_nb_chars=rng.randint(60, 600)),
        }
        for i in range(n)
    ]


def batches(items: Sequence[Any], size: int = BATCH) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class Bench:
    def __init__(self, n: int, repeat: int, show_profile: bool) -> None:
        from benchmarks._plain import create_plain_table
        from responsemap.projects.actions import do_create_project
        from responsemap.projects.models import Organisation, Project
        from responsemap.protection.catalogue import policies_for
        from responsemap.protection.viewer import Viewer
        from responsemap.triage.models import Feedback

        self.n, self.repeat, self.show_profile = n, repeat, show_profile
        self.Feedback = Feedback
        self.Plain = create_plain_table()
        org = Organisation.objects.create(name="Bench", slug="bench")
        self.project = do_create_project(
            organisation=org,
            name="Benchmark",
            slug="benchmark",
            country="HT",
            languages=["fr", "en"],
            purpose="Benchmark",
            status=Project.Status.ACTIVE,
        )
        self.viewer = Viewer(
            user_id=None,
            label="bench",
            role="bench",
            project_id=self.project.pk,
            permissions=frozenset(
                {"view_feedback", "reveal_content", "view_sensitive", "view_demographics"}
            ),
        )
        # What a hand-written view would show: the catalogued fields, choices as labels.
        self.plain_fields = [
            (name, bool(getattr(self.Plain._meta.get_field(name), "choices", None)))
            for name in policies_for(Feedback)
        ]
        self.results: list[Comparison] = []
        self.profiles: list[str] = []

    # -- rows ---------------------------------------------------------------------------

    def encrypted_row(self, spec: dict[str, Any], topic: str) -> Any:
        values = {k: v for k, v in spec.items() if k != "content"}
        row = self.Feedback(project=self.project, topic=topic, **values)
        row.content = spec["content"]  # sealed at save time
        return row

    def plain_row(self, spec: dict[str, Any], topic: str) -> Any:
        return self.Plain(project=self.project, topic=topic, **spec)

    def write_bulk(
        self, make: Callable[..., Any], model: Any, specs: list[Any], topic: str
    ) -> None:
        from django.db import transaction

        for chunk in batches(specs):
            with transaction.atomic():
                model.objects.bulk_create([make(s, topic) for s in chunk], batch_size=BATCH)

    def write_each(self, make: Callable[..., Any], specs: list[Any], topic: str) -> None:
        from django.db import transaction

        for chunk in batches(specs):
            with transaction.atomic():
                for spec in chunk:
                    make(spec, topic).save()

    def load(self, model: Any, topic: str) -> list[Any]:
        return list(model.objects.filter(project=self.project, topic=topic))

    def format_plain(self, row: Any) -> dict[str, Any]:
        return {
            name: getattr(row, f"get_{name}_display")() if choices else getattr(row, name)
            for name, choices in self.plain_fields
        }

    # -- measurements -------------------------------------------------------------------

    def compare(
        self,
        operation: str,
        encrypted: Callable[[], object],
        plain: Callable[[], object],
    ) -> None:
        """Best of ``repeat`` runs per side, alternating so drift hits both alike."""
        enc_s = plain_s = float("inf")
        for _ in range(self.repeat):
            enc_s = min(enc_s, timed(encrypted))
            plain_s = min(plain_s, timed(plain))
        result = Comparison(operation, self.n, enc_s, plain_s)
        self.results.append(result)
        if self.show_profile and not result.passed:
            self.profiles.append(profile(f"{operation} (encrypted)", encrypted))

    def run(self) -> list[Comparison]:

        from responsemap.protection.present import open_for_system, present, present_many

        specs = make_specs(self.n)
        rounds = itertools.count()

        def topic(kind: str) -> str:  # every timed write lands in fresh rows
            return f"{kind}-{next(rounds)}"

        # Warm-up (key load, statement caches, connection set-up), then the rows the
        # read measurements load, on both tables; neither is timed.
        warm = make_specs(50, seed=1)
        self.write_bulk(self.encrypted_row, self.Feedback, warm, "warmup")
        self.write_bulk(self.plain_row, self.Plain, warm, "warmup")
        self.write_bulk(self.encrypted_row, self.Feedback, specs, "read")
        self.write_bulk(self.plain_row, self.Plain, specs, "read")

        F, P, viewer = self.Feedback, self.Plain, self.viewer
        self.compare(
            f"write: bulk_create, txn per {BATCH}",
            lambda: self.write_bulk(self.encrypted_row, F, specs, topic("bulk")),
            lambda: self.write_bulk(self.plain_row, P, specs, topic("bulk")),
        )
        self.compare(
            f"write: save() per row, txn per {BATCH}",
            lambda: self.write_each(self.encrypted_row, specs, topic("each")),
            lambda: self.write_each(self.plain_row, specs, topic("each")),
        )

        def plain_read() -> None:
            for row in self.load(P, "read"):
                self.format_plain(row)

        def masked() -> None:
            for row in self.load(F, "read"):
                present(row, viewer, "bench")

        def reveal() -> None:  # each reveal commits its own audit event
            for row in self.load(F, "read"):
                present(row, viewer, "bench", reveal=["content"], reason="benchmark")

        def reveal_pages() -> None:
            for page in batches(self.load(F, "read"), PAGE):
                present_many(page, viewer, "bench", reveal=["content"], reason="benchmark")

        def system_open() -> None:
            for row in self.load(F, "read"):
                open_for_system(row, "content", purpose="test")

        def plain_content() -> None:
            for row in self.load(P, "read"):
                _ = row.content

        self.compare("read: present() masked", masked, plain_read)
        self.compare("read: present() reveal (decrypt+audit)", reveal, plain_read)
        self.compare(f"read: present_many() reveal, page of {PAGE}", reveal_pages, plain_read)
        self.compare("read: open_for_system() decrypt", system_open, plain_content)
        return self.results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_encryption")
    parser.add_argument("--database-url", help="default: a fresh SQLite file in the var dir")
    parser.add_argument("--var-dir", type=Path, help="default: a new temporary directory")
    parser.add_argument("--records", type=int, help="rows per operation (default 2000)")
    parser.add_argument("--quick", action="store_true", help="300 rows, fewer repeats")
    parser.add_argument("--profile", action="store_true", help="cProfile failing operations")
    args = parser.parse_args(argv)
    n = args.records or (300 if args.quick else 2000)

    var_dir = apply_bench_env(args.var_dir, args.database_url)
    if args.var_dir is None:  # ours: remove it (SQLite file, keys) when done
        atexit.register(shutil.rmtree, var_dir, ignore_errors=True)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    vendor = connection.vendor
    bench = Bench(n, repeat=2 if args.quick else 3, show_profile=args.profile)
    results = bench.run()
    print(table(f"encryption on {vendor} ({n} records per operation)", results))
    for text in bench.profiles:
        print(text)
    payload = {
        "benchmark": "encryption",
        "database": vendor,
        "records": n,
        "operations": [r.as_dict() for r in results],
    }
    print("RESULT " + json.dumps(payload), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
