"""``present()``: the only way a record's fields reach a person.

Templates, API serialisers, exports, map features, notifications and the audit-log
viewer call it. It applies the field catalogue: a field the viewer may not see comes
back masked; an encrypted field is opened only when the viewer asks to reveal it, holds
the field's reveal permission, and gives a reason; every reveal is audited (field
names only) in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models

from responsemap.protection.audit import EventSpec, record_events
from responsemap.protection.catalogue import Classification, FieldPolicy, policies_for
from responsemap.protection.fields import EncryptedTextField, Sealed, binding_for
from responsemap.protection.keyring import DecryptionError, unseal
from responsemap.protection.viewer import Viewer


@dataclass(frozen=True)
class Shown:
    name: str
    label: str
    value: Any
    masked: bool
    revealable: bool
    classification: Classification
    error: str = ""

    def __str__(self) -> str:
        return "" if self.value is None else str(self.value)


class Presented(dict[str, Shown]):
    """Field name → ``Shown``; templates use ``presented.content.value``."""

    @property
    def classification(self) -> Classification:
        return max((s.classification for s in self.values()), default=Classification.PUBLIC)

    @property
    def revealable(self) -> list[Shown]:
        return [s for s in self.values() if s.revealable]


def _is_encrypted(record: models.Model, name: str) -> bool:
    return isinstance(record._meta.get_field(name), EncryptedTextField)


def _open(record: models.Model, name: str) -> str | None:
    sealed: Sealed | None = getattr(record, name)
    if sealed is None:
        return None
    if sealed._plain is not None:
        return sealed._plain
    assert sealed._token is not None
    return unseal(record.project_id, binding_for(record, name), sealed._token)  # type: ignore[attr-defined]


def present(
    record: models.Model,
    viewer: Viewer,
    purpose: str,
    *,
    reveal: Iterable[str] = (),
    reason: str = "",
) -> Presented:
    return present_many([record], viewer, purpose, reveal=reveal, reason=reason)[0]


def present_many(
    records: Sequence[models.Model],
    viewer: Viewer,
    purpose: str,
    *,
    reveal: Iterable[str] = (),
    reason: str = "",
) -> list[Presented]:
    """``present()`` for a list of records of one model (a page, an export): the reveals
    are audited one event per record, written together."""
    if not records:
        return []
    wanted = set(reveal)
    policies = policies_for(records[0])
    if wanted - set(policies):
        raise ValueError(f"not catalogued: {sorted(wanted - set(policies))}")
    if wanted and not reason.strip():
        raise PermissionDenied("a reveal needs a reason")
    if any(not viewer.can(policies[n].reveal_permission or "-") for n in wanted):
        record_events(
            [_event("field.reveal_denied", r, viewer, wanted, reason, purpose) for r in records]
        )
        raise PermissionDenied("you may not reveal these fields")

    plans = _plan(type(records[0]), viewer, policies)
    results: list[Presented] = []
    events: list[EventSpec] = []
    for record in records:
        shown = Presented()
        revealed: list[str] = []
        for plan in plans:
            name = plan.policy.name
            shown[name] = _show(record, plan, name in wanted)
            if name in wanted and not shown[name].masked:
                revealed.append(name)
        if revealed:
            events.append(_event("field.reveal", record, viewer, revealed, reason, purpose))
        results.append(shown)
    if events:
        record_events(events)
    return results


def _event(
    action: str,
    record: models.Model,
    viewer: Viewer,
    fields: Iterable[str],
    reason: str,
    purpose: str,
) -> EventSpec:
    return EventSpec(
        action,
        project_id=record.project_id,  # type: ignore[attr-defined]
        actor=viewer,
        object_type=record._meta.model_name or "",
        object_id=record.pk,
        fields=list(fields),
        reason=reason,
        purpose=purpose,
    )


@dataclass(frozen=True)
class _FieldPlan:
    """What ``present()`` needs to know about one catalogued field, worked out once per
    call rather than once per record."""

    policy: FieldPolicy
    label: str
    encrypted: bool
    choices: dict[Any, str] | None
    may_view: bool
    may_reveal: bool


def _plan(
    model: type[models.Model], viewer: Viewer, policies: dict[str, FieldPolicy]
) -> list[_FieldPlan]:
    plans = []
    for name, policy in policies.items():
        field = model._meta.get_field(name)
        choices = getattr(field, "flatchoices", None)
        plans.append(
            _FieldPlan(
                policy=policy,
                label=str(policy.label),
                encrypted=isinstance(field, EncryptedTextField),
                choices={k: str(v) for k, v in choices} if choices else None,
                may_view=viewer.can(policy.view_permission),
                may_reveal=viewer.can(policy.reveal_permission or "-"),
            )
        )
    return plans


def _show(record: models.Model, plan: _FieldPlan, reveal: bool) -> Shown:
    policy = plan.policy
    raw = getattr(record, policy.name)
    revealable = plan.encrypted and plan.may_view and raw is not None and plan.may_reveal

    def shown(value: Any, masked: bool, error: str = "") -> Shown:
        return Shown(
            name=policy.name,
            label=plan.label,
            value=value,
            masked=masked,
            revealable=revealable and not reveal,
            classification=policy.classification,
            error=error,
        )

    if not plan.may_view:
        return shown(policy.mask, masked=True)
    if not plan.encrypted:
        value = plan.choices.get(raw, raw) if plan.choices is not None else raw
        return shown(value, masked=False)
    if raw is None:
        return shown(None, masked=False)
    if not reveal:
        return shown(policy.mask, masked=True)
    try:
        return shown(_open(record, policy.name), masked=False)
    except DecryptionError as exc:
        return shown(policy.mask, masked=True, error=str(exc))


def open_for_system(record: models.Model, field_name: str, *, purpose: str) -> str | None:
    """Open an encrypted field for a system task (redaction, sending a reply).

    Not for showing to a person: that is ``present()``. ``purpose`` names why, for
    code review and tracing; system opens are not audited one by one.
    """
    if not purpose:
        raise ValueError("a system open names its purpose")
    if not _is_encrypted(record, field_name):
        raise ValueError(f"{field_name} is not an encrypted field")
    return _open(record, field_name)
