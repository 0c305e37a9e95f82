"""A project of N records in minutes, for benchmarks that measure what happens *next*
(an import into a big project): ``SEEDS`` records made through the application's own
bulk path (``_inbox_data.generate``: redacted, sealed, indexed, signed for duplicates),
the rest copies of them made in SQL, each copy with its own id, reference and time
(spread over the dataset's two years, as ``generate`` spreads them) and its seed's
rows in the tables that grow with the project and that a new record's birth reads or
writes next to: the word index (``FeedbackToken``), the duplicate bands and signatures
(``SimilarityBand``, ``TextSignature``).

A copy's sealed text is its seed's ciphertext, bound to the seed's row: it would not
open, and nothing here opens it. Copying is the benchmark's shortcut, not the
application's path (1,000,000 records through the bulk path take hours on a 2-core
machine; copies take minutes).
"""

from __future__ import annotations

import time
from typing import Any

SEEDS = 2000
CHUNK = 50_000
# Copy n's id: the same UUID on both databases, never one of uuid4's (version 4 ids
# have a random part where this has zeros, and this prefix).
ID_PREFIX = "b1c0ffee-0000-4000-8000-"


def _sql(vendor: str, first: int, last: int, start: str, step: float, seeds: int) -> dict[str, str]:
    """The SQL pieces for copies ``first``…``last``: their numbers, id, reference and time."""
    if vendor == "postgresql":
        return {
            "seeds": str(seeds),
            "rows": f"generate_series({first}::bigint, {last}::bigint) AS g(n)",
            "id": f"('{ID_PREFIX}' || lpad(to_hex(n), 12, '0'))::uuid",
            "reference": "'C' || lpad(n::text, 9, '0')",
            "at": f"('{start}'::timestamptz + (n * {step}) * interval '1 second')",
        }
    return {
        "seeds": str(seeds),
        "rows": (
            f"(WITH RECURSIVE g(n) AS (SELECT {first} UNION ALL SELECT n + 1 FROM g "  # noqa: S608
            f"WHERE n < {last}) SELECT n FROM g)"
        ),
        "id": f"'{ID_PREFIX.replace('-', '')}' || printf('%012x', n)",
        "reference": "'C' || printf('%09d', n)",
        "at": (
            f"strftime('%Y-%m-%d %H:%M:%f', '{start}', "
            f"'+' || CAST(n * {step} AS TEXT) || ' seconds')"
        ),
    }


def _copy(table: str, columns: list[str], chosen: dict[str, str], source: str, key: str,
          parts: dict[str, str]) -> str:  # fmt: skip
    """``INSERT … SELECT``: each copy n takes seed ``n % seeds``'s rows of ``table``."""
    values = [chosen.get(c, f"s.{c}") for c in columns]
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} "  # noqa: S608 (our own values)
        f"FROM {parts['rows']} JOIN bench_seed b ON b.k = n % {parts['seeds']} "
        f"JOIN {source} s ON s.{key} = b.id"
    )


def make_project_of(total: int) -> Any:
    """The inbox benchmark's project holding ``total`` records (made once; a later run
    goes on from what is there)."""
    from django.db import connection

    from benchmarks._inbox_data import START, generate, setup_project
    from responsemap.triage.duplicates.models import SimilarityBand, TextSignature
    from responsemap.triage.models import Feedback, FeedbackToken

    seeds = min(SEEDS, total)
    generate(total, first=0, last=seeds, finish=False)
    project = setup_project()
    have = Feedback.objects.filter(project=project).count()
    if have >= total:
        print(f"records: {have:,} already there", flush=True)
        return project
    seed_ids = list(
        Feedback.objects.filter(project=project)  # the seeds come first in time
        .order_by("received_at", "pk")
        .values_list("pk", flat=True)[:seeds]
    )
    step = (total and (730 * 86400 / total)) or 0.0
    start = START.strftime("%Y-%m-%d %H:%M:%S")
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_seed")
        kind = "uuid" if connection.vendor == "postgresql" else "char(32)"
        cursor.execute(f"CREATE TABLE bench_seed (k integer PRIMARY KEY, id {kind})")
        cursor.executemany(
            "INSERT INTO bench_seed (k, id) VALUES (%s, %s)",
            [
                (k, str(pk) if connection.vendor == "postgresql" else pk.hex)
                for k, pk in enumerate(seed_ids)
            ],
        )
    first, started = max(have, seeds), time.monotonic()
    while first < total:
        last = min(total - 1, first + CHUNK - 1)
        parts = _sql(connection.vendor, first, last, start, step, len(seed_ids))
        at, new_id = parts["at"], parts["id"]
        statements = [
            _copy(
                Feedback._meta.db_table,
                [f.column for f in Feedback._meta.concrete_fields],
                {
                    "id": new_id,
                    "reference": parts["reference"],
                    "received_at": at,
                    "created_at": at,
                    "updated_at": at,
                    "inbound_message_id": "NULL",
                    "provider_message_id": "''",
                },
                Feedback._meta.db_table,
                "id",
                parts,
            ),
            _copy(
                FeedbackToken._meta.db_table,
                ["feedback_id", "project_id", "token"],
                {"feedback_id": new_id},
                FeedbackToken._meta.db_table,
                "feedback_id",
                parts,
            ),
            _copy(
                SimilarityBand._meta.db_table,
                ["feedback_id", "project_id", "key", "received_at"],
                {"feedback_id": new_id, "received_at": at},
                SimilarityBand._meta.db_table,
                "feedback_id",
                parts,
            ),
            _copy(
                TextSignature._meta.db_table,
                ["feedback_id", "project_id", "contact_id", "received_at", "minhash"],
                {"feedback_id": new_id, "received_at": at},
                TextSignature._meta.db_table,
                "feedback_id",
                parts,
            ),
        ]
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        first = last + 1
        rate = (first - max(have, seeds)) / (time.monotonic() - started)
        print(f"records: {first:,} ({rate:,.0f} copies/s)", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_seed")
        cursor.execute("ANALYZE")
    return project
