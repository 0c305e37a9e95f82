"""``present()``: the only way a record's fields reach a person.

Templates, API serialisers, exports, map features, notifications and the audit-log
viewer call it. It applies the field catalogue: a field the viewer may not see comes
back masked; an encrypted field is opened only when the viewer asks to reveal it, holds
the field's reveal permission, and gives a reason; every reveal is audited (field
names only) in the caller's transaction. An encrypted field that has no reveal
permission in the catalogue (sealed at rest only, like the redacted copy) is opened for
whoever may view it.

What it returns is built so that a template cannot reach further than the catalogue
allows: a read-only ``Presented`` mapping of ``Shown`` values plus the record's type and
primary key (for links and the audit log), and nothing else. Values are frozen copies
(text, numbers, dates, tuples, read-only mappings); a related row becomes its text
(``str()``), never the row itself, so no template can walk from a record to another
model or its manager. A field not in the catalogue is not there at all.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Any, TypeAlias

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.functional import Promise

from responsemap.protection.audit import EventSpec, record_events
from responsemap.protection.catalogue import Classification, FieldPolicy, policies_for
from responsemap.protection.fields import EncryptedTextField, Sealed, binding_for
from responsemap.protection.keyring import DecryptionError, unseal
from responsemap.protection.system_opens import SystemPurpose, check_purpose, count_open
from responsemap.protection.viewer import Viewer

# What a ``Shown`` may hold: immutable, and never a model instance.
Value: TypeAlias = (
    str
    | int
    | float
    | bool
    | Decimal
    | datetime.date
    | datetime.time
    | datetime.timedelta
    | None
    | tuple["Value", ...]
    | Mapping[str, "Value"]
)

# Someone who is no member of the project (the public web form, the project switcher):
# sees only fields classified PUBLIC that need no permission, and may reveal nothing.
PUBLIC = Viewer(user_id=None, label="public", role="", project_id="", permissions=frozenset())


@dataclass(frozen=True, slots=True)
class Shown:
    name: str
    label: str
    value: Value
    masked: bool
    revealable: bool
    classification: Classification
    error: str = ""
    # The stored code of a visible choice field ("sensitive", "critical"), for a
    # template that styles or branches on it; ``value`` is its translated label.
    code: str | None = None

    def __str__(self) -> str:
        return "" if self.value is None else str(self.value)

    def __bool__(self) -> bool:
        """True when there is something to print: a mask, or a non-empty value (so
        ``{% if %}`` and ``|default`` treat an empty field as empty, and a mask as
        something hidden)."""
        return self.masked or bool(self.value)


class Presented(Mapping[str, Shown]):
    """A record as one viewer may see it: field name → ``Shown``, read-only.

    Besides the catalogued fields it carries only ``object_type`` (the model's name, as
    the audit log names objects) and ``id`` (the primary key as text), so screens can link
    to the record and log what they listed. Templates use ``presented.content.value``,
    ``presented.id``.
    """

    __slots__ = ("_shown", "id", "object_type")
    _shown: Mapping[str, Shown]
    id: str
    object_type: str

    def __init__(self, object_type: str, id: str, shown: Mapping[str, Shown]) -> None:
        object.__setattr__(self, "object_type", object_type)
        object.__setattr__(self, "id", id)
        object.__setattr__(self, "_shown", MappingProxyType(dict(shown)))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("a presented record is read-only")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("a presented record is read-only")

    def __getitem__(self, name: str) -> Shown:
        return self._shown[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._shown)

    def __len__(self) -> int:
        return len(self._shown)

    def __repr__(self) -> str:
        return f"<Presented {self.object_type} {self.id}>"

    def __eq__(self, other: object) -> bool:
        # Mapping's own equality would find two records with equal fields the same.
        if not isinstance(other, Presented):
            return NotImplemented
        return (self.object_type, self.id, dict(self)) == (other.object_type, other.id, dict(other))

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


def freeze(value: object) -> Value:
    """An immutable copy of a field's value that leads nowhere: a related row becomes
    its text, a list a tuple, a dict a read-only mapping."""
    if value is None or isinstance(
        value,
        str | int | float | Decimal | datetime.date | datetime.time | datetime.timedelta,
    ):
        return value  # bool is an int
    if isinstance(value, models.Model | Promise | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    if isinstance(value, dict):
        return MappingProxyType({str(k): freeze(v) for k, v in value.items()})
    raise TypeError(f"present() can't show a {type(value).__name__}")


def present(
    record: models.Model,
    viewer: Viewer,
    purpose: str,
    *,
    reveal: Iterable[str] = (),
    reason: str = "",
    only: Collection[str] | None = None,
) -> Presented:
    return present_many([record], viewer, purpose, reveal=reveal, reason=reason, only=only)[0]


def present_many(
    records: Sequence[models.Model],
    viewer: Viewer,
    purpose: str,
    *,
    reveal: Iterable[str] = (),
    reason: str = "",
    only: Collection[str] | None = None,
) -> list[Presented]:
    """``present()`` for a list of records of one model (a page, an export): the reveals
    are audited one event per record, written together.

    ``only``: a restriction on top of the catalogue (a data-sharing agreement's fields):
    the catalogued fields not named are left out altogether, as if not catalogued."""
    if not records:
        return []
    wanted = set(reveal)
    policies = policies_for(records[0])
    if only is not None:
        policies = {name: policy for name, policy in policies.items() if name in only}
    if wanted - set(policies):
        raise ValueError(f"not catalogued: {sorted(wanted - set(policies))}")
    if wanted and not reason.strip():
        raise PermissionDenied("a reveal needs a reason")
    if wanted and viewer is PUBLIC:
        raise PermissionDenied("the public may not reveal anything")
    _check_scope(records, viewer)
    if any(not viewer.can(policies[n].reveal_permission or "-") for n in wanted):
        record_events(
            [_event("field.reveal_denied", r, viewer, wanted, reason, purpose) for r in records]
        )
        raise PermissionDenied("you may not reveal these fields")

    model = type(records[0])
    object_type = model._meta.model_name or ""
    plans = _plan(model, viewer, policies, records)
    results: list[Presented] = []
    events: list[EventSpec] = []
    for record in records:
        shown: dict[str, Shown] = {}
        revealed: list[str] = []
        for plan in plans:
            name = plan.policy.name
            shown[name] = _show(record, plan, name in wanted)
            if name in wanted and not shown[name].masked:
                revealed.append(name)
        if revealed:
            events.append(_event("field.reveal", record, viewer, revealed, reason, purpose))
        results.append(Presented(object_type, str(record.pk), shown))
    if events:
        record_events(events)
    return results


def _check_scope(records: Sequence[models.Model], viewer: Viewer) -> None:
    """A record of a project is shown only to a member of that project. The loaders
    (``visible_to``/``access_*``) already ensure it; this catches the bug that would
    hand a page another project's rows. (The public sees only public fields anyway.)"""
    if viewer is PUBLIC:
        return
    project_id = str(viewer.project_id)
    for record in records:
        if hasattr(record, "project_id") and str(record.project_id) != project_id:
            raise PermissionDenied("a record of another project")


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


def _may_view(viewer: Viewer, policy: FieldPolicy) -> bool:
    if viewer is PUBLIC:
        return policy.view_permission is None and policy.classification is Classification.PUBLIC
    return viewer.can(policy.view_permission)


def _plan(
    model: type[models.Model],
    viewer: Viewer,
    policies: dict[str, FieldPolicy],
    records: Sequence[models.Model],
) -> list[_FieldPlan]:
    plans = []
    for name, policy in policies.items():
        field = model._meta.get_field(name)
        choices = getattr(field, "flatchoices", None)
        may_view = _may_view(viewer, policy)
        if policy.labels is not None and may_view:  # a coding framework's words
            choices = list(policy.labels(records).items())
        plans.append(
            _FieldPlan(
                policy=policy,
                label=str(policy.label),
                encrypted=isinstance(field, EncryptedTextField),
                choices={k: str(v) for k, v in choices} if choices else None,
                may_view=may_view,
                may_reveal=viewer is not PUBLIC and viewer.can(policy.reveal_permission or "-"),
            )
        )
    return plans


def _show(record: models.Model, plan: _FieldPlan, reveal: bool) -> Shown:
    policy = plan.policy

    def shown(
        value: object,
        masked: bool,
        *,
        revealable: bool = False,
        error: str = "",
        code: str | None = None,
    ) -> Shown:
        return Shown(
            name=policy.name,
            label=plan.label,
            value=freeze(value),
            masked=masked,
            revealable=revealable,
            classification=policy.classification,
            error=error,
            code=code,
        )

    if not plan.may_view:
        return shown(policy.mask, masked=True)
    raw = getattr(record, policy.name)
    if not plan.encrypted:
        if plan.choices is not None and raw is not None:
            return shown(plan.choices.get(raw, raw), masked=False, code=str(raw))
        return shown(raw, masked=False)
    if raw is None:
        return shown(None, masked=False)
    if not reveal and policy.reveal_permission is not None:
        return shown(policy.mask, masked=True, revealable=plan.may_reveal)
    # A sealed field with no reveal permission (the redacted copy) is sealed at rest
    # only: whoever may view it sees it, without a reveal; the page's listing or view
    # event accounts for it (ADR 0008).
    try:
        return shown(_open(record, policy.name), masked=False)
    except DecryptionError as exc:
        return shown(policy.mask, masked=True, error=str(exc))


def open_for_system(
    record: models.Model, field_name: str, *, purpose: SystemPurpose | str
) -> str | None:
    """Open an encrypted field for a system task (redaction, sending a reply).

    Not for showing to a person: that is ``present()``. ``purpose`` is one of the fixed
    list ``SystemPurpose`` (anything else is refused); every open is counted and written
    to the project's audit log per batch and purpose (``protection.system_opens``).
    """
    checked = check_purpose(purpose)
    if not _is_encrypted(record, field_name):
        raise ValueError(f"{field_name} is not an encrypted field")
    value = _open(record, field_name)
    if value is not None:
        count_open(record.project_id, checked, f"{record._meta.model_name}.{field_name}")  # type: ignore[attr-defined]
    return value
