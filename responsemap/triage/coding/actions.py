"""Changing a project's coding framework, and re-coding a record.

Every change is one transaction with its audit event. A project's first change stores
its framework (the defaults it was using, ``_stored_framework``), in the same
transaction, so from then on the table is the whole truth for that project.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from responsemap.protection.audit import record_event
from responsemap.protection.viewer import Viewer
from responsemap.triage.actions import NewFeedback, sensitivity_of
from responsemap.triage.alerts.targets import due_at_for
from responsemap.triage.choices import Sensitivity, Urgency
from responsemap.triage.coding.framework import (
    FIXED_CODES,
    LABEL_MAX_LENGTH,
    MAX_LENGTH,
    POSITION_STEP,
    default_entries,
    forget,
    load_framework,
)
from responsemap.triage.coding.models import Code, Kind
from responsemap.triage.models import Feedback
from responsemap.triage.queries import access_feedback


class CodingRefused(Exception):
    """A change the framework or the record does not allow; its message says why."""


def _check_manager(viewer: Viewer) -> None:
    if not viewer.can("manage_project"):
        raise PermissionDenied("only a project manager may change the coding framework")


def _stored_framework(project_id: uuid.UUID | str) -> None:
    """Store the defaults a project has been using, before its first change (no-op
    once stored). Locks nothing: two first changes at once meet on the unique index."""
    if Code.objects.filter(project_id=project_id).exists():
        return
    Code.objects.bulk_create(
        Code(
            project_id=project_id,
            kind=e.kind,
            code=e.code,
            label="",
            labels={},
            position=e.position,
        )
        for e in default_entries()
    )


def _clean_labels(label: str, labels: Mapping[str, str]) -> tuple[str, dict[str, str]]:
    label = label.strip()
    cleaned = {lang: text.strip() for lang, text in labels.items() if text and text.strip()}
    if any(len(text) > LABEL_MAX_LENGTH for text in [label, *cleaned.values()]):
        raise CodingRefused(_("A label can be %(n)d characters at most.") % {"n": LABEL_MAX_LENGTH})
    return label, cleaned


def _event(viewer: Viewer, action: str, row: Code, fields: list[str]) -> None:
    record_event(
        action,
        project_id=row.project_id,
        actor=viewer,
        object_type="code",
        object_id=row.pk,
        fields=fields,
        purpose=f"{row.kind}:{row.code}",
    )


def _locked(viewer: Viewer, kind: str, code: str) -> Code:
    found = (
        Code.objects.select_for_update()
        .filter(project_id=viewer.project_id, kind=kind, code=code)
        .first()
    )
    if found is None:
        raise CodingRefused(_("There is no such code in this project's framework."))
    return found


def do_add_code(
    viewer: Viewer, kind: str, code: str, label: str, labels: Mapping[str, str] | None = None
) -> Code:
    """A new code at the end of its list. The code is a slug, never changed after."""
    _check_manager(viewer)
    if kind not in Kind.values:
        raise CodingRefused(_("Unknown list."))
    code = code.strip().lower()
    if (
        not code
        or len(code) > MAX_LENGTH[Kind(kind)]
        or not all(c.isascii() and (c.isalnum() or c in "-_") for c in code)
    ):
        raise CodingRefused(
            _("A code is %(n)d letters, digits, - or _ at most, with no spaces.")
            % {"n": MAX_LENGTH[Kind(kind)]}
        )
    label, cleaned = _clean_labels(label, labels or {})
    if not label:
        raise CodingRefused(_("A new code needs a label."))
    with transaction.atomic():
        _stored_framework(viewer.project_id)
        rows = Code.objects.filter(project_id=viewer.project_id, kind=kind)
        if rows.filter(code=code).exists():
            raise CodingRefused(_("This list has that code already: codes are never reused."))
        last = rows.order_by("-position").values_list("position", flat=True).first()
        row = Code(
            project_id=viewer.project_id,
            kind=kind,
            code=code,
            label=label,
            labels=cleaned,
            position=(last or 0) + POSITION_STEP if last is not None else 0,
        )
        row.save(force_insert=True)
        _event(viewer, "code.add", row, ["code", "label"])
    forget(viewer.project_id)
    return row


def do_change_code(
    viewer: Viewer, kind: str, code: str, label: str, labels: Mapping[str, str] | None = None
) -> Code:
    """New labels for a code (the code itself stays). An empty default label keeps a
    default code's built-in words."""
    _check_manager(viewer)
    label, cleaned = _clean_labels(label, labels or {})
    with transaction.atomic():
        _stored_framework(viewer.project_id)
        row = _locked(viewer, kind, code)
        if not label and not _is_default(kind, code):
            raise CodingRefused(_("A code needs a label."))
        row.label, row.labels = label, cleaned
        row.save(update_fields=["label", "labels"])
        _event(viewer, "code.change", row, ["label"])
    forget(viewer.project_id)
    return row


def _is_default(kind: str, code: str) -> bool:
    return any(e.kind == kind and e.code == code for e in default_entries())


def do_retire_code(viewer: Viewer, kind: str, code: str, *, retire: bool = True) -> Code:
    """Retire a code (no longer offered; records keep it and show it, marked retired),
    or bring it back (``retire=False``). The fixed codes can't be retired."""
    _check_manager(viewer)
    if retire and (kind, code) in FIXED_CODES:
        raise CodingRefused(
            _("This code can't be retired: protection rules and “not yet coded” depend on it.")
        )
    with transaction.atomic():
        _stored_framework(viewer.project_id)
        row = _locked(viewer, kind, code)
        if (row.retired_at is not None) == retire:
            return row
        row.retired_at = timezone.now() if retire else None
        row.save(update_fields=["retired_at"])
        _event(viewer, "code.retire" if retire else "code.unretire", row, ["retired_at"])
    forget(viewer.project_id)
    return row


def do_move_code(viewer: Viewer, kind: str, code: str, *, up: bool) -> Code:
    """Swap a code with the one before (``up``) or after it in its list."""
    _check_manager(viewer)
    with transaction.atomic():
        _stored_framework(viewer.project_id)
        row = _locked(viewer, kind, code)
        rows = Code.objects.select_for_update().filter(project_id=viewer.project_id, kind=kind)
        if up:
            neighbour = rows.filter(
                Q(position__lt=row.position) | Q(position=row.position, code__lt=row.code)
            ).order_by("-position", "-code")
        else:
            neighbour = rows.filter(
                Q(position__gt=row.position) | Q(position=row.position, code__gt=row.code)
            ).order_by("position", "code")
        other = neighbour.first()
        if other is None:
            return row
        if other.position == row.position:  # equal positions: spread the list first
            _renumber(viewer.project_id, kind)
            row.refresh_from_db(fields=["position"])
            other.refresh_from_db(fields=["position"])
        row.position, other.position = other.position, row.position
        Code.objects.filter(pk=row.pk).update(position=row.position)
        Code.objects.filter(pk=other.pk).update(position=other.position)
        _event(viewer, "code.move", row, ["position"])
    forget(viewer.project_id)
    return row


def _renumber(project_id: uuid.UUID | str, kind: str) -> None:
    rows = Code.objects.filter(project_id=project_id, kind=kind).order_by("position", "code")
    for n, pk in enumerate(rows.values_list("pk", flat=True)):
        Code.objects.filter(pk=pk).update(position=n * POSITION_STEP)


@dataclass(frozen=True)
class Recoded:
    record: Feedback
    # field → (before, after), only the fields that changed
    changes: dict[str, tuple[str, str]]
    raised: bool  # the sensitivity was raised to protection-sensitive


RECODED_FIELDS = ("type_code", "sector", "topic", "urgency")


def do_recode_feedback(
    viewer: Viewer,
    feedback_id: object,
    *,
    type_code: str,
    sector: str,
    topic: str = "",
    urgency: str | None = None,
) -> Recoded:
    """Re-code a record against its project's framework (active codes, or the one the
    record holds already). Audited: ``feedback.recode`` naming the fields changed, their
    previous and new codes sealed in the event's details. A protection concern (type or
    sector) is raised to protection-sensitive in the same action
    (``triage.actions.sensitivity_of``); re-coding never lowers sensitivity. Race-safe:
    the row is updated only if its codes are still the ones read."""
    record = access_feedback(viewer, feedback_id, write=True)
    framework = load_framework(record.project_id)
    wanted = {
        "type_code": type_code,
        "sector": sector,
        "topic": topic or "",
        "urgency": urgency if urgency is not None else record.urgency,
    }
    for kind in (Kind.TYPE, Kind.SECTOR):
        if not framework.accepts(kind, wanted[kind], current=getattr(record, kind)):
            raise CodingRefused(_("That code is not in this project's framework."))
    if wanted["topic"] and not framework.accepts(Kind.TOPIC, wanted["topic"], record.topic):
        raise CodingRefused(_("That topic is not in this project's framework."))
    if wanted["urgency"] not in Urgency.values:
        raise CodingRefused(_("Unknown urgency."))
    before = {name: getattr(record, name) for name in RECODED_FIELDS}
    changes = {n: (before[n], wanted[n]) for n in RECODED_FIELDS if before[n] != wanted[n]}
    if not changes:
        return Recoded(record, {}, raised=False)
    sensitivity = sensitivity_of(
        NewFeedback(
            source=record.source,
            content="",
            type_code=wanted["type_code"],
            sector=wanted["sector"],
            sensitivity=record.sensitivity,
        )
    )
    raised = sensitivity == Sensitivity.SENSITIVE and record.sensitivity != Sensitivity.SENSITIVE
    update: dict[str, object] = {name: wanted[name] for name in changes}
    if raised:
        update["sensitivity"] = Sensitivity.SENSITIVE
    if "type_code" in changes or "urgency" in changes:
        # The response-time target follows the type and urgency (triage.alerts.targets).
        update["due_at"] = due_at_for(
            record.project_id, wanted["type_code"], record.received_at, wanted["urgency"]
        )
    with transaction.atomic():
        done = Feedback.objects.filter(pk=record.pk, **before).update(
            **update, updated_at=timezone.now()
        )
        if not done:
            raise CodingRefused(
                _("Someone else changed this record's codes meanwhile. Look again and retry.")
            )
        details: dict[str, object] = {"changes": {n: list(c) for n, c in changes.items()}}
        fields = sorted(changes)
        if raised:
            details["sensitivity"] = [record.sensitivity, Sensitivity.SENSITIVE]
            fields.append("sensitivity")
        record_event(
            "feedback.recode",
            project_id=record.project_id,
            actor=viewer,
            object_type="feedback",
            object_id=record.pk,
            fields=fields,
            details=details,
        )
    for name, value in update.items():
        setattr(record, name, value)
    return Recoded(record, changes, raised)
