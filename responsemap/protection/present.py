"""``present()``: the only way a record's fields reach a person.

Templates, API serialisers, exports, map features, notifications and the audit-log
viewer call it. It applies the field catalogue: a field the viewer may not see comes
back masked; an encrypted field is opened only when the viewer asks to reveal it, holds
the field's reveal permission, and gives a reason; every reveal is audited (field
names only) in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models, transaction

from responsemap.protection.audit import record_event
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


def _display(record: models.Model, name: str) -> Any:
    field = record._meta.get_field(name)
    if getattr(field, "choices", None):
        return getattr(record, f"get_{name}_display")()
    if field.is_relation:
        return getattr(record, name)
    return getattr(record, name)


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
    wanted = set(reveal)
    policies = policies_for(record)
    if wanted - set(policies):
        raise ValueError(f"not catalogued: {sorted(wanted - set(policies))}")
    if wanted and not reason.strip():
        raise PermissionDenied("a reveal needs a reason")
    if any(not viewer.can(policies[n].reveal_permission or "-") for n in wanted):
        record_event(
            "field.reveal_denied",
            project_id=record.project_id,  # type: ignore[attr-defined]
            actor=viewer,
            object_type=record._meta.model_name or "",
            object_id=record.pk,
            fields=wanted,
            reason=reason,
            purpose=purpose,
        )
        raise PermissionDenied("you may not reveal these fields")

    shown = Presented()
    revealed: list[str] = []
    for name, policy in policies.items():
        shown[name] = _show(record, viewer, policy, name in wanted)
        if name in wanted and not shown[name].masked:
            revealed.append(name)
    if revealed:
        with transaction.atomic():
            record_event(
                "field.reveal",
                project_id=record.project_id,  # type: ignore[attr-defined]
                actor=viewer,
                object_type=record._meta.model_name or "",
                object_id=record.pk,
                fields=revealed,
                reason=reason,
                purpose=purpose,
            )
    return shown


def _show(record: models.Model, viewer: Viewer, policy: FieldPolicy, reveal: bool) -> Shown:
    encrypted = _is_encrypted(record, policy.name)
    may_view = viewer.can(policy.view_permission)
    present_value = getattr(record, policy.name) is not None
    revealable = (
        encrypted and may_view and present_value and viewer.can(policy.reveal_permission or "-")
    )

    def shown(value: Any, masked: bool, error: str = "") -> Shown:
        return Shown(
            name=policy.name,
            label=str(policy.label),
            value=value,
            masked=masked,
            revealable=revealable and not reveal,
            classification=policy.classification,
            error=error,
        )

    if not may_view:
        return shown(policy.mask, masked=True)
    if not encrypted:
        return shown(_display(record, policy.name), masked=False)
    if not present_value:
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
