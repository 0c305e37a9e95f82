"""Rules and targets at a record's birth: called once per batch by
``triage.actions.do_create_feedback_batch``, on the records built and not yet inserted.

Cost per batch, whatever its size: one query for the projects' rules, one for their
alert policies, one more only if a rule counts repeat senders; then plain Python on
each text before it is sealed. What it sets on each record:

- ``urgency``: raised (never lowered) to what matching rules say;
- ``sensitivity``: a match of a rule that suggests protection raises the record to
  protection-sensitive at once (safer to hide first), with ``sensitivity_review``
  "to confirm" for protection staff, who confirm or lower it (``rules.actions``); one
  ``feedback.raise_sensitivity`` event each, in the batch's transaction;
- ``due_at``: its response-time target (``alerts.targets``).

Urgent records get an alert after commit (``alerts.tasks.raise_alert``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from django.db import transaction
from django.db.models import Count, Q

from responsemap.protection.audit import EventSpec, record_events
from responsemap.triage.alerts.queries import policies_for
from responsemap.triage.alerts.targets import due_at_with
from responsemap.triage.alerts.tasks import raise_alerts
from responsemap.triage.choices import Sensitivity, Urgency
from responsemap.triage.models import Feedback
from responsemap.triage.rules.choices import SensitivityReview
from responsemap.triage.rules.matching import normalise_for_rules
from responsemap.triage.rules.queries import CompiledRule, rules_for

URGENCY_ORDER = [Urgency.LOW, Urgency.NORMAL, Urgency.HIGH, Urgency.CRITICAL]


def _higher(a: str, b: str) -> str:
    order = {u.value: n for n, u in enumerate(URGENCY_ORDER)}
    return a if order.get(a, 1) >= order.get(b, 1) else b


def apply_birth_rules(records: Sequence[Feedback], texts: Sequence[str]) -> None:
    """Match ``records`` (built, not inserted; ``texts`` their plain text, in order)
    against their projects' rules; set urgency, sensitivity and due time; audit the
    raises; enqueue alerts for urgent records after commit."""
    if not records:
        return
    project_ids = {str(r.project_id) for r in records}
    rules = rules_for(project_ids)
    policies = policies_for(project_ids)
    earlier = _earlier_by_contact(records, rules)
    raised: list[Feedback] = []
    urgent: list[tuple[str, str, list[str]]] = []
    for n, (record, text) in enumerate(zip(records, texts, strict=True)):
        normalised, before = normalise_for_rules(text), records[:n]
        matched = [
            rule
            for rule in rules[str(record.project_id)]
            if _matches(rule, record, normalised, earlier, before)
        ]
        for rule in matched:
            if rule.sets_urgency:
                record.urgency = _higher(rule.sets_urgency, record.urgency)
        if (
            any(rule.suggests_protection for rule in matched)
            and record.sensitivity != Sensitivity.SENSITIVE
        ):
            record.sensitivity = Sensitivity.SENSITIVE
            record.sensitivity_review = SensitivityReview.TO_CONFIRM
            raised.append(record)
        policy = policies[str(record.project_id)]
        record.due_at = due_at_with(policy, record.type_code, record.received_at, record.urgency)
        if matched and any(r.sets_urgency or r.suggests_protection for r in matched):
            urgent.append((str(record.pk), "rule", [r.rule_id for r in matched if r.rule_id]))
        elif record.urgency in policy.alert_urgencies:
            urgent.append((str(record.pk), "urgency", []))
    if raised:
        record_events([_raise_event(record) for record in raised])
    if urgent:
        transaction.on_commit(lambda: _enqueue_alerts(urgent))


def _enqueue_alerts(urgent: list[tuple[str, str, list[str]]]) -> None:
    # One task for the batch's urgent records: one queue row, not one per record.
    raise_alerts.enqueue(
        [[feedback_id, cause, rule_ids] for feedback_id, cause, rule_ids in urgent]
    )


def _raise_event(record: Feedback) -> EventSpec:
    return EventSpec(
        "feedback.raise_sensitivity",
        project_id=record.project_id,
        actor=None,
        object_type="feedback",
        object_id=record.pk,
        fields=["sensitivity"],
        purpose="rule",
    )


def _matches(
    rule: CompiledRule,
    record: Feedback,
    text: str,
    earlier: dict[tuple[str, int], int],
    before_in_batch: Sequence[Feedback],
) -> bool:
    if not rule.has_conditions:
        return False
    if rule.has_keywords and not rule.keywords.found_in(text):
        return False
    if rule.type_codes and record.type_code not in rule.type_codes:
        return False
    if rule.area_ids and str(record.area_id) not in rule.area_ids:
        return False
    if rule.repeat_count and rule.repeat_hours:
        if record.contact_id is None:
            return False
        since = record.received_at - timedelta(hours=rule.repeat_hours)
        contact = str(record.contact_id)
        seen = earlier.get((contact, rule.repeat_hours), 0)
        seen += sum(
            1
            for other in before_in_batch
            if str(other.contact_id) == contact and since <= other.received_at
        )
        if seen + 1 < rule.repeat_count:
            return False
    return True


def _earlier_by_contact(
    records: Sequence[Feedback], rules: dict[str, list[CompiledRule]]
) -> dict[tuple[str, int], int]:
    """How many records each contact of the batch sent within each repeat window (in
    hours) of the rules, before the batch: one aggregate query (a row per contact), only
    if some rule counts repeat senders. Windows are counted back from the batch's
    earliest record."""
    windows = sorted(
        {
            r.repeat_hours
            for project_rules in rules.values()
            for r in project_rules
            if r.repeat_hours
        }
    )
    contacts = {r.contact_id for r in records if r.contact_id is not None}
    if not windows or not contacts:
        return {}
    start = min(r.received_at for r in records)
    counts = {
        f"h{hours}": Count("pk", filter=Q(received_at__gte=start - timedelta(hours=hours)))
        for hours in windows
    }
    rows = (
        Feedback.objects.filter(
            contact_id__in=contacts, received_at__gte=start - timedelta(hours=windows[-1])
        )
        .values("contact_id")
        .annotate(**counts)
    )
    return {(str(row["contact_id"]), hours): row[f"h{hours}"] for row in rows for hours in windows}
