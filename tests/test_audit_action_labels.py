"""Every audit action written by the setup, outbound and import modules has a label a
person can read (``protection/audit_catalogue.py``)."""

from __future__ import annotations

import ast
from pathlib import Path

from responsemap.protection.audit_catalogue import ACTION_LABELS, action_label

PACKAGE = Path(__file__).resolve().parent.parent / "responsemap"
MODULES = [
    "accounts/actions.py",
    "accounts/phones/actions.py",
    "projects/actions.py",
    "projects/sharing/actions.py",
    "projects/checklists/actions.py",
    "projects/lifecycle/actions.py",
    "projects/destruction/actions.py",
    "geo/actions.py",
    "analytics/actions.py",
    "analytics/reports/actions.py",
    "demo/actions.py",
    "intake/messages/send.py",
    "imports/actions.py",
    "imports/tasks.py",
    "imports/transitions.py",
    "imports/pull/actions.py",
    "imports/pull/transitions.py",
    "triage/coding/actions.py",
    "triage/rules/actions.py",
    "triage/rules/birth.py",
    "triage/alerts/actions.py",
    "triage/replies/actions.py",
    "triage/duplicates/actions/birth.py",
    "triage/duplicates/actions/links.py",
    "triage/duplicates/actions/spam.py",
    "triage/duplicates/actions/policy.py",
    "triage/verification/actions.py",
    "triage/suggestions/birth.py",
    "triage/suggestions/actions/decide.py",
    "triage/suggestions/actions/train.py",
]
WRITERS = {"record_event", "EventSpec", "Move"}


def actions_written(path: Path) -> set[str]:
    """String literals given as an event's action: the first argument of
    ``record_event``/``EventSpec``/``Move`` (or the third of ``Move``), or ``action=``."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", getattr(node.func, "attr", ""))
        candidates: list[ast.expr] = [k.value for k in node.keywords if k.arg == "action"]
        if name in WRITERS:
            candidates += node.args[:3] if name == "Move" else node.args[:1]
        for value in candidates:
            found |= {
                leaf.value
                for leaf in ast.walk(value)
                if isinstance(leaf, ast.Constant)
                and isinstance(leaf.value, str)
                and "." in leaf.value
                and " " not in leaf.value
            }
    return found


def test_every_action_written_here_has_a_label() -> None:
    written = set().union(*(actions_written(PACKAGE / module) for module in MODULES))
    assert {"message.send", "project.update_settings", "import.check"} <= written
    assert sorted(written - set(ACTION_LABELS)) == []


def test_an_unknown_action_shows_its_code() -> None:
    assert action_label("message.send") == "Message sent"
    assert action_label("something.new") == "something.new"


def test_every_inbox_filter_a_listing_names_has_words() -> None:
    from responsemap.protection.audit_catalogue import field_label
    from responsemap.triage.inbox.views import FILTER_NAMES, INBOX_FILTERS

    for name in INBOX_FILTERS:
        named = FILTER_NAMES.get(name, name)
        assert field_label("feedback", named) != named, named
