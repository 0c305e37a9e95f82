"""Protection staff confirm or lower a record's protection-sensitivity; managers edit
the project's rules. Each is one transaction with its audit event."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from responsemap.protection.audit import record_event
from responsemap.protection.viewer import Viewer
from responsemap.triage.choices import Sensitivity
from responsemap.triage.models import Feedback
from responsemap.triage.queries import access_feedback
from responsemap.triage.rules.choices import SensitivityReview
from responsemap.triage.rules.defaults import DEFAULT_RULES
from responsemap.triage.rules.models import Rule
from responsemap.triage.rules.queries import rules_visible_to

REASON_MIN_LENGTH = 5
REASON_MAX_LENGTH = 300


class SensitivityRefused(Exception):
    """A change of protection-sensitivity not allowed now; its message says why."""


def _protected_record(viewer: Viewer, feedback_id: object) -> Feedback:
    """A sensitive record, for a role that sees them and may edit (404 for anyone else:
    they must not learn it exists)."""
    if not viewer.can("view_sensitive"):
        raise Http404
    record = access_feedback(viewer, feedback_id, write=True)
    if record.sensitivity != Sensitivity.SENSITIVE:
        raise SensitivityRefused(_("This record is not protection-sensitive."))
    return record


def do_confirm_sensitivity(viewer: Viewer, feedback_id: object) -> Feedback:
    """Protection staff agree with the rule that raised the record: it stays sensitive,
    no longer "to confirm". Audited: ``feedback.confirm_sensitivity``."""
    record = _protected_record(viewer, feedback_id)
    with transaction.atomic():
        changed = Feedback.objects.filter(
            pk=record.pk,
            sensitivity=Sensitivity.SENSITIVE,
            sensitivity_review=SensitivityReview.TO_CONFIRM,
        ).update(sensitivity_review=SensitivityReview.CONFIRMED, updated_at=timezone.now())
        if not changed:
            raise SensitivityRefused(_("There is nothing to confirm on this record any more."))
        record_event(
            "feedback.confirm_sensitivity",
            project_id=record.project_id,
            actor=viewer,
            object_type="feedback",
            object_id=record.pk,
            fields=["sensitivity"],
        )
    record.sensitivity_review = SensitivityReview.CONFIRMED
    return record


def do_lower_sensitivity(viewer: Viewer, feedback_id: object, reason: str) -> Feedback:
    """Protection staff make a record normal again, with a reason (sealed in the audit
    event ``feedback.lower_sensitivity``). Race-safe: only a record still sensitive."""
    record = _protected_record(viewer, feedback_id)
    reason = reason.strip()
    if len(reason) < REASON_MIN_LENGTH:
        raise SensitivityRefused(_("Say why this record need not be protected."))
    if len(reason) > REASON_MAX_LENGTH:
        raise SensitivityRefused(
            _("A reason can be %(n)d characters at most.") % {"n": REASON_MAX_LENGTH}
        )
    with transaction.atomic():
        changed = Feedback.objects.filter(pk=record.pk, sensitivity=Sensitivity.SENSITIVE).update(
            sensitivity=Sensitivity.NORMAL,
            sensitivity_review=SensitivityReview.LOWERED,
            updated_at=timezone.now(),
        )
        if not changed:
            raise SensitivityRefused(_("Someone else changed this record meanwhile."))
        record_event(
            "feedback.lower_sensitivity",
            project_id=record.project_id,
            actor=viewer,
            object_type="feedback",
            object_id=record.pk,
            fields=["sensitivity"],
            reason=reason,
        )
    record.sensitivity = Sensitivity.NORMAL
    record.sensitivity_review = SensitivityReview.LOWERED
    return record


@dataclass
class RuleData:
    name: str
    keywords: dict[str, list[str]] = field(default_factory=dict)
    type_codes: list[str] = field(default_factory=list)
    area_ids: list[str] = field(default_factory=list)
    repeat_count: int | None = None
    repeat_hours: int | None = None
    sets_urgency: str = ""
    suggests_protection: bool = False
    is_active: bool = True


def _managed(viewer: Viewer) -> None:
    if not viewer.can("manage_project"):
        raise Http404


def _fill(rule: Rule, data: RuleData) -> None:
    rule.name = data.name
    rule.keywords = {lang: words for lang, words in data.keywords.items() if words}
    rule.type_codes = list(data.type_codes)
    rule.area_ids = [str(a) for a in data.area_ids]
    both = bool(data.repeat_count and data.repeat_hours)
    rule.repeat_count = data.repeat_count if both else None
    rule.repeat_hours = data.repeat_hours if both else None
    rule.sets_urgency = data.sets_urgency
    rule.suggests_protection = data.suggests_protection
    rule.is_active = data.is_active


def do_save_rule(viewer: Viewer, rule_id: object | None, data: RuleData) -> Rule:
    """Add a rule (``rule_id`` None) or change one of the project's. Managers only.
    Audited: ``rule.create`` / ``rule.update`` (names of rules and keywords are
    configuration, not personal data)."""
    _managed(viewer)
    rule = Rule(project_id=viewer.project_id) if rule_id is None else _own_rule(viewer, rule_id)
    _fill(rule, data)
    with transaction.atomic():
        rule.save()
        record_event(
            "rule.create" if rule_id is None else "rule.update",
            project_id=viewer.project_id,
            actor=viewer,
            object_type="rule",
            object_id=rule.pk,
        )
    return rule


def do_start_rules_from_defaults(viewer: Viewer) -> list[Rule]:
    """Copy the default rules into the project, to edit (only while it has none)."""
    _managed(viewer)
    if Rule.objects.filter(project_id=viewer.project_id).exists():
        return []
    made = []
    for default in DEFAULT_RULES:
        rule = Rule(project_id=viewer.project_id)
        _fill(
            rule,
            RuleData(
                name=str(default.name),
                keywords={k: list(v) for k, v in default.keywords.items()},
                repeat_count=default.repeat_count,
                repeat_hours=default.repeat_hours,
                sets_urgency=default.sets_urgency,
                suggests_protection=default.suggests_protection,
            ),
        )
        made.append(rule)
    with transaction.atomic():
        Rule.objects.bulk_create(made)
        for rule in made:
            record_event(
                "rule.create",
                project_id=viewer.project_id,
                actor=viewer,
                object_type="rule",
                object_id=rule.pk,
                purpose="defaults",
            )
    return made


def _own_rule(viewer: Viewer, rule_id: object) -> Rule:
    try:
        key = uuid.UUID(str(rule_id))
    except ValueError:
        raise Http404 from None
    rule = rules_visible_to(viewer).filter(pk=key).first()
    if rule is None:
        raise Http404
    return rule
