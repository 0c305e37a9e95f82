"""``manage.py suggest_codes``: one message a line in, one JSON object a line out, in the
project's codes; on a freshly seeded demo project, with the shipped model."""

from __future__ import annotations

import io
import json
import sys
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from responsemap.accounts.models import User
from responsemap.accounts.queries import viewer_for
from responsemap.projects.models import Project
from responsemap.triage.coding.actions import do_retire_code
from responsemap.triage.suggestions.model import Suggester

pytestmark = pytest.mark.django_db
TYPES = {"question", "complaint", "request", "rumour", "suggestion", "appreciation", "protection"}
SECTORS = {
    "food",
    "wash",
    "shelter",
    "health",
    "protection",
    "education",
    "cash",
    "nutrition",
    "other",
}


def run(monkeypatch: pytest.MonkeyPatch, slug: str, text: str) -> list[dict[str, Any]]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    out = io.StringIO()
    call_command("suggest_codes", "--project", slug, stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_one_json_object_per_line_on_the_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    call_command("seed_demo", "--records", "5", "--no-accounts", verbosity=0)
    lines = [
        "Ki lè y ap bay manje ankò?",
        "the guard says my sister gets an extra ration if she comes alone after dark",
        "",
        "متى سيتم توزيع السلال الغذائية؟",
        "mi hijo tiene fiebre alta y no respira bien",
    ]
    found = run(monkeypatch, "demo", "\n".join(lines) + "\n")
    assert len(found) == len(lines)
    for one in found:
        assert one["type"] in TYPES
        assert one["sector"] in SECTORS
        assert isinstance(one["urgent"], bool)
        assert 0 <= one["confidence"] <= 1
    assert found[1]["urgent"] is True


def test_only_the_project_s_active_codes(
    monkeypatch: pytest.MonkeyPatch, project: Project, personas: dict[str, User], small: Suggester
) -> None:
    manager = viewer_for(personas["manager"], project.pk)
    assert manager is not None
    do_retire_code(manager, "type_code", "complaint")
    (one,) = run(monkeypatch, project.slug, "no water at the tap again, it is broken\n")
    assert one["type"] != "complaint"
    assert one["sector"] == "wash"


def test_an_unknown_project_is_refused(monkeypatch: pytest.MonkeyPatch, db: Any) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("hello\n"))
    with pytest.raises(CommandError, match="No such project"):
        call_command("suggest_codes", "--project", "nope")
