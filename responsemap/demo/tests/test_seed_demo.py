from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import phonenumbers
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from responsemap.accounts.models import Membership, User
from responsemap.demo.seed import DEMO_PASSWORD, TEMPLATES, geography, plan_feedback
from responsemap.geo.models import AdminArea
from responsemap.projects.models import Project
from responsemap.protection.audit import all_chains, verify_chain
from responsemap.protection.keyring import get_keyring
from responsemap.protection.models import AuditEvent
from responsemap.triage.models import Feedback

PERSONAS = ["operator", "officer", "protection", "manager", "partner", "donor"]


@pytest.fixture(autouse=True)
def key_dir(settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.RESPONSEMAP_KEY_DIR = tmp_path / "keys"
    get_keyring.cache_clear()
    yield
    get_keyring.cache_clear()


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", "--records", "50", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "projects": Project.objects.count(),
        "areas": AdminArea.objects.count(),
        "feedback": Feedback.objects.count(),
        "memberships": Membership.objects.count(),
        "events": AuditEvent.objects.count(),
    }


@pytest.mark.django_db
def test_seed_creates_personas_areas_and_records() -> None:
    output = seed()

    demo = Project.objects.get(slug="demo")
    other = Project.objects.get(slug="other")
    assert demo.status == Project.Status.ACTIVE
    for code in PERSONAS:
        user = User.objects.get(username=code)
        assert user.check_password(DEMO_PASSWORD)
        assert Membership.objects.get(user=user).role.code == code
        assert Membership.objects.get(user=user).project == demo
        assert code in output
    outsider = User.objects.get(username="outsider")
    assert [(m.project, m.role.code) for m in outsider.memberships.all()] == [(other, "officer")]
    admin = User.objects.get(username="admin")
    assert admin.is_superuser
    assert admin.is_staff
    assert not admin.memberships.exists()

    areas = AdminArea.objects.filter(project=demo)
    assert areas.filter(level=1).count() == 4
    assert areas.filter(level=2).count() == sum(1 for a in geography() if a.level == 2)
    for area in areas:
        assert "(invented)" in area.name
        assert set(area.names) == {"en", "fr"}
        assert area.min_lon is not None
        assert area.max_lon is not None
        assert area.min_lon < area.max_lon
        assert area.geometry is not None
        assert area.geometry["type"] == "Polygon"
        assert (area.parent is None) == (area.level == 1)

    records = Feedback.objects.filter(project=demo)
    assert records.count() == 50
    assert Feedback.objects.filter(project=other).count() > 0
    oldest = timezone.now() - timedelta(days=61)
    assert not records.filter(received_at__lt=oldest).exists()
    assert all(problem is None for problem in map(verify_chain, all_chains()))
    assert AuditEvent.objects.filter(action="demo.seed").count() == 2

    # Accounts are printed (no address: only `serve` knows it); message texts and
    # numbers never are.
    assert DEMO_PASSWORD in output
    assert "http://" not in output
    assert "+509" not in output
    assert not any(text.split("{")[0][:20] in output for t in TEMPLATES for text in t[3:])


@pytest.mark.django_db
def test_second_run_changes_nothing() -> None:
    seed()
    before = counts()
    output = seed()
    assert counts() == before
    assert "nothing changed" in output
    assert DEMO_PASSWORD in output


@pytest.mark.django_db
def test_accounts_only_prints_the_address_given_and_seeds_nothing() -> None:
    output = seed("--accounts-only", "--url", "http://192.0.2.7:8123/")
    assert not Project.objects.exists()
    assert DEMO_PASSWORD in output
    assert "outsider" in output
    assert output.rstrip().endswith(
        "Open http://192.0.2.7:8123/ and sign in with one of these accounts."
    )


@pytest.mark.django_db
def test_no_accounts_seeds_quietly() -> None:
    output = seed("--no-accounts")
    assert Project.objects.filter(slug="demo").exists()
    assert DEMO_PASSWORD not in output
    assert "Seeded" in output


@pytest.mark.django_db
def test_refuses_to_seed_over_existing_accounts() -> None:
    User.objects.create_user(username="officer", password="a-real-persons-password")
    with pytest.raises(CommandError, match="user officer"):
        seed()
    assert not Project.objects.exists()
    assert User.objects.get(username="officer").check_password("a-real-persons-password")


@pytest.mark.django_db
def test_refuses_in_production(settings: Any) -> None:
    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        seed()
    assert not Project.objects.exists()


@pytest.mark.django_db
def test_type_mix_follows_the_seed() -> None:
    seed("--seed", "7")
    stored = Counter(
        Feedback.objects.filter(project__slug="demo").values_list("type_code", flat=True)
    )
    planned = Counter(p.data.type_code for p in plan_feedback(7, 50, timezone.now(), geography()))
    assert stored == planned
    other_seed = Counter(p.data.type_code for p in plan_feedback(8, 50, timezone.now()))
    assert other_seed != planned


def test_plan_is_deterministic_and_plausible() -> None:
    now = datetime(2026, 3, 4, 15, 30, tzinfo=UTC)
    plan = plan_feedback(3, 400, now, geography())
    assert plan == plan_feedback(3, 400, now, geography())
    assert plan != plan_feedback(4, 400, now, geography())

    pcodes = {a.pcode for a in geography() if a.level == 2}
    assert {p.area_pcode for p in plan} <= pcodes | {None}
    assert sum(p.area_pcode is None for p in plan) < len(plan) / 4
    for item in plan:
        received = item.data.received_at
        assert received is not None
        assert timezone.is_aware(received)
        assert now - timedelta(days=61) < received <= now
        assert item.data.content
        assert "{" not in item.data.content
        if item.data.phone:
            number = phonenumbers.parse(item.data.phone, "HT")
            assert phonenumbers.is_valid_number(number)
            assert item.data.consent_given is True
        else:
            assert item.data.consent_given is None
        assert (item.data.sensitivity == "sensitive") == (item.data.type_code == "protection")
    types = Counter(p.data.type_code for p in plan)
    assert types["question"] + types["request"] > len(plan) / 2
    assert 0 < types["protection"] < len(plan) / 10
    assert Counter(p.data.source for p in plan).most_common(1)[0][0] == "sms"
    ages = [(now - (p.data.received_at or now), p.status) for p in plan]
    recent = [status for age, status in ages if age < timedelta(days=3)]
    old = [status for age, status in ages if age > timedelta(days=30)]
    assert "new" in recent
    assert "new" not in old
    assert Counter(old).most_common(1)[0][0] == "closed"
