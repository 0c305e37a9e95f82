"""A persistent inbox dataset for ``bench_inbox``: N feedback records made through the
project's own bulk path (``do_create_feedback_batch``, redacted, sealed and indexed as the
worker does it), in batches of 500, resumable.

    python -m benchmarks._inbox_data --database-url URL --var-dir DIR --records 1000000

The var dir keeps the keys and the master key (``master.key``) so the database can be
reused across runs: generating 1,000,000 records takes a long time, measuring it does not.
Run it again with the same arguments and it goes on from the records already there.

After the records, the workflow's later moves are laid over them in bulk (status,
assignee, team spread as a live project's would be): a benchmark's shortcut for shaping
the data, not the application's path (each move there is an audited action).
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import secrets
import sys
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks._env import apply_bench_env

PROJECT_SLUG = "bench-inbox"
BATCH = 500
END = datetime(2026, 11, 30, tzinfo=UTC)
SPAN_DAYS = 730
START = END - timedelta(days=SPAN_DAYS)

PHRASES = [
    ("fr", "Le point d'eau du bloc {n} est cassé depuis l'inondation"),
    ("fr", "Les latrines du camp {n} sont inondées, il faut de l'aide"),
    ("fr", "Quand aura lieu la prochaine distribution de nourriture au site {n} ?"),
    ("fr", "Merci pour les kits d'hygiène reçus à l'école {n}"),
    ("en", "The water point in block {n} is broken after the flooding"),
    ("en", "When is the next cash distribution in zone {n}?"),
    ("en", "Shelter roofs in sector {n} were damaged by the storm"),
    ("en", "Thank you for the clinic visits in camp {n}"),
    ("es", "La inundación dañó las letrinas del bloque {n}"),
    ("es", "¿Cuándo llega la distribución de alimentos al sitio {n}?"),
    ("ar", "الفيضانات دمرت الخيام في المخيم {n}"),
    ("ar", "متى يكون توزيع الغذاء القادم في الموقع {n}"),
    ("ht", "Dlo a koupe nan blòk {n} depi inondasyon an"),
    ("ht", "Kilè distribisyon manje ap fèt nan sit {n}?"),
]
TYPES = ["question", "complaint", "request", "rumour", "suggestion", "appreciation", "uncoded"]
SECTORS = ["food", "wash", "shelter", "health", "education", "cash", "nutrition", "other"]
URGENCY = ["low"] * 2 + ["normal"] * 6 + ["high"] * 2 + ["critical"]
SOURCES = ["sms"] * 5 + ["hotline"] * 2 + ["web", "whatsapp", "in_person"]


def master_key(var_dir: Path) -> str:
    path = var_dir / "master.key"
    if not path.exists():
        path.write_text(base64.b64encode(secrets.token_bytes(32)).decode())
    return path.read_text().strip()


def setup_project() -> Any:
    from responsemap.accounts.actions import do_add_member
    from responsemap.accounts.models import User
    from responsemap.geo.actions import do_create_area
    from responsemap.projects.actions import do_create_organisation, do_create_project
    from responsemap.projects.models import Project

    project = Project.objects.filter(slug=PROJECT_SLUG).first()
    if project is not None:
        return project
    organisation = do_create_organisation(name="Bench inbox", slug="bench-inbox")
    project = do_create_project(
        organisation=organisation,
        name="Inbox at scale",
        slug=PROJECT_SLUG,
        country="HT",
        languages=["fr", "en", "es", "ar", "ht"],
        purpose="Benchmark",
        status=Project.Status.ACTIVE,
    )
    for role in ("officer", "protection", "manager", "operator", "partner"):
        for n in range(1, 4):
            user = User.objects.create_user(f"{role}{n}", password=None)
            do_add_member(project_id=project.pk, user=user, role_code=role)
    for n in range(1, 21):
        do_create_area(project_id=project.pk, pcode=f"HT{n:02d}", name=f"Commune {n}", level=2)
    return project


def items_for(first: int, count: int, total: int, areas: list, rng: random.Random) -> list:  # type: ignore[type-arg]
    from responsemap.triage.actions import NewFeedback

    step = SPAN_DAYS * 86400 / max(total, 1)
    made = []
    for i in range(first, first + count):
        language, phrase = rng.choice(PHRASES)
        type_code = rng.choice(TYPES)
        sensitive = rng.random() < 0.08
        made.append(
            NewFeedback(
                source=rng.choice(SOURCES),
                content=phrase.format(n=i % 97),
                language=language,
                received_at=START + timedelta(seconds=i * step),
                type_code="protection" if sensitive and rng.random() < 0.5 else type_code,
                sector="protection" if sensitive else rng.choice(SECTORS),
                urgency=rng.choice(URGENCY),
                area=rng.choice(areas) if rng.random() < 0.7 else None,
                sensitivity="sensitive" if sensitive else "normal",
            )
        )
    return made


def generate(total: int, first: int = 0, last: int | None = None, finish: bool = True) -> None:
    """Make records ``first`` … ``last`` (default: all ``total``), going on from those
    already there in that range (a record's time follows from its number), then shape and
    analyse once ``finish``. Ranges let two processes share the work."""
    from django.db import connection

    from responsemap.accounts.models import User
    from responsemap.accounts.queries import viewer_for
    from responsemap.geo.models import AdminArea
    from responsemap.triage.actions import do_create_feedback_batch
    from responsemap.triage.models import Feedback

    last = total if last is None else last
    project = setup_project()
    areas = list(AdminArea.objects.filter(project_id=project.pk))
    operator = viewer_for(User.objects.get(username="operator1"), project.pk)
    step = SPAN_DAYS * 86400 / max(total, 1)
    in_range = Feedback.objects.filter(
        project_id=project.pk,
        received_at__gte=START + timedelta(seconds=first * step),
        received_at__lt=START + timedelta(seconds=last * step),
    )
    done = first + in_range.count()
    started, at_start = time.monotonic(), done
    print(f"records {first}-{last}: going on from {done}", flush=True)
    while done < last:
        rng = random.Random(done)  # the same data whatever the resumption point
        count = min(BATCH - done % BATCH, last - done)
        items = items_for(done, count, total, areas, rng)
        # Hotline batches are entered by an operator (created_by: "my calls").
        actor = operator if done % 5000 == 0 else None
        do_create_feedback_batch(project, items, actor, redact_now=True)
        done += count
        if done % 10000 == 0 or done == last:
            rate = (done - at_start) / (time.monotonic() - started)
            print(f"{done} records ({rate:.0f}/s)", flush=True)
    if finish:
        shape(project.pk)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print("done", flush=True)


def shape(project_id: uuid.UUID) -> None:
    """Spread status, assignee and team over the records by their age (old ones mostly
    closed, recent ones mostly new), once: records still all 'new' only."""
    from django.db import connection

    from responsemap.accounts.models import Membership
    from responsemap.triage.models import Feedback

    rows = Feedback.objects.filter(project_id=project_id)
    if rows.exclude(status="new").exists():
        return
    officers = list(
        Membership.objects.filter(project_id=project_id, role__code="officer").values_list(
            "user_id", flat=True
        )
    )
    with connection.cursor() as cursor:
        # A stable pseudo-random number per row and purpose from the md5 of its id.
        cursor.execute(
            """
            WITH r AS (
              SELECT id,
                mod(('x' || substr(md5(id::text), 1, 4))::bit(16)::int, 100) AS a,
                mod(('x' || substr(md5(id::text), 5, 4))::bit(16)::int, 7) AS b,
                mod(('x' || substr(md5(id::text), 9, 4))::bit(16)::int, 100) AS c,
                ('x' || substr(md5(id::text), 13, 4))::bit(16)::int AS d
              FROM triage_feedback WHERE project_id = %s
            )
            UPDATE triage_feedback f SET
              status = CASE
                WHEN f.received_at < %s AND r.a < 85 THEN 'closed'
                ELSE (ARRAY['new','triaged','assigned','in_progress','referred','answered',
                            'closed'])[1 + r.b]
              END,
              assignee_id = CASE WHEN r.c < 60
                THEN (%s::int[])[1 + mod(r.d, %s)] ELSE NULL END
            FROM r WHERE f.id = r.id
            """,
            [project_id, END - timedelta(days=90), officers, len(officers)],
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks._inbox_data")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--var-dir", type=Path, required=True)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--first", type=int, default=0, help="make records from this one")
    parser.add_argument("--last", type=int, help="… up to this one (default: all)")
    parser.add_argument("--no-finish", action="store_true", help="no shaping, no ANALYZE")
    args = parser.parse_args(argv)
    args.var_dir.mkdir(parents=True, exist_ok=True)
    key = master_key(args.var_dir)
    apply_bench_env(args.var_dir, args.database_url)
    os.environ["RESPONSEMAP_MASTER_KEY"] = key  # the same keys on every run
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    generate(args.records, args.first, args.last, finish=not args.no_finish)
    return 0


if __name__ == "__main__":
    sys.exit(main())
