"""Loading rules: each project's own, or the defaults while it has none."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from responsemap.protection.viewer import Viewer
from responsemap.triage.rules.defaults import DEFAULT_RULES
from responsemap.triage.rules.matching import KeywordSet
from responsemap.triage.rules.models import Rule


@dataclass(frozen=True)
class CompiledRule:
    """A rule ready to match: its keywords compiled once per batch."""

    rule_id: str  # "" for a default rule (no row)
    keywords: KeywordSet
    has_keywords: bool
    type_codes: frozenset[str]
    area_ids: frozenset[str]
    repeat_count: int | None
    repeat_hours: int | None
    sets_urgency: str
    suggests_protection: bool

    @property
    def has_conditions(self) -> bool:
        return bool(self.has_keywords or self.type_codes or self.area_ids or self.repeat_count)

    @classmethod
    def of(cls, rule: Rule | object, rule_id: str = "") -> CompiledRule:
        keywords: dict[str, list[str]] = getattr(rule, "keywords", {}) or {}
        words = [w for ws in keywords.values() for w in ws]
        repeat_count = getattr(rule, "repeat_count", None)
        repeat_hours = getattr(rule, "repeat_hours", None)
        return cls(
            rule_id=rule_id,
            keywords=KeywordSet.of(words),
            has_keywords=bool(words),
            type_codes=frozenset(getattr(rule, "type_codes", []) or []),
            area_ids=frozenset(str(a) for a in getattr(rule, "area_ids", []) or []),
            repeat_count=repeat_count if repeat_count and repeat_hours else None,
            repeat_hours=repeat_hours if repeat_count and repeat_hours else None,
            sets_urgency=getattr(rule, "sets_urgency", "") or "",
            suggests_protection=bool(getattr(rule, "suggests_protection", False)),
        )


_DEFAULTS: list[CompiledRule] = []


def default_rules() -> list[CompiledRule]:
    if not _DEFAULTS:
        _DEFAULTS.extend(CompiledRule.of(rule) for rule in DEFAULT_RULES)
    return _DEFAULTS


def rules_for(project_ids: Iterable[uuid.UUID | str]) -> dict[str, list[CompiledRule]]:
    """Each project's active rules, compiled: one query for all the projects. A project
    with no rule row at all uses the defaults (``defaults.DEFAULT_RULES``)."""
    ids = {str(p) for p in project_ids}
    own: dict[str, list[Rule]] = defaultdict(list)
    for rule in Rule.objects.filter(project_id__in=ids):
        own[str(rule.project_id)].append(rule)
    return {
        p: [CompiledRule.of(r, str(r.pk)) for r in own[p] if r.is_active]
        if p in own
        else default_rules()
        for p in ids
    }


def rules_visible_to(viewer: Viewer) -> QuerySet[Rule]:
    """A project's rules, for its managers (who edit them) and protection staff."""
    if not (viewer.can("manage_project") or viewer.can("view_sensitive")):
        return Rule.objects.none()
    return Rule.objects.filter(project_id=viewer.project_id)
