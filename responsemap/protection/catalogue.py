"""The field catalogue: every field a person may see, declared once, as data.

Each app declares its models' fields in its own ``catalogue.py`` (loaded by its
AppConfig). ``present()`` is the only reader. A field not in the catalogue is never
shown by ``present()``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Classification(IntEnum):
    PUBLIC = 0
    INTERNAL = 1
    CONFIDENTIAL = 2
    STRICT = 3

    @property
    def label(self) -> str:
        return str(CLASSIFICATION_LABELS[self])


CLASSIFICATION_LABELS = {
    Classification.PUBLIC: _("Public"),
    Classification.INTERNAL: _("Internal"),
    Classification.CONFIDENTIAL: _("Confidential"),
    Classification.STRICT: _("Strictly confidential"),
}


@dataclass(frozen=True)
class FieldPolicy:
    name: str
    label: str | Promise
    classification: Classification
    # Needed to see the value at all; None: whoever may load the record.
    view_permission: str | None = None
    # For encrypted fields: needed to reveal the plaintext (with a reason, audited).
    reveal_permission: str | None = None
    mask: str = "••••••"
    # For a coded field whose words are data (a project's coding framework): called once
    # per ``present()`` with the records (all of one project), it gives code → label,
    # instead of the field's fixed ``choices``.
    labels: Callable[[Sequence[models.Model]], Mapping[str, str]] | None = None


_CATALOGUE: dict[str, dict[str, FieldPolicy]] = {}
# Names a presented record answers itself (``present.Presented``): a field so named
# would be hidden behind them in templates.
RESERVED = frozenset(
    {"id", "object_type", "classification", "revealable", "items", "keys", "values", "get"}
)


def declare(model: type[models.Model], policies: Iterable[FieldPolicy]) -> None:
    label = model._meta.label_lower
    entries = {p.name: p for p in policies}
    field_names = {f.name for f in model._meta.get_fields()}
    missing = set(entries) - field_names
    if missing:
        raise ValueError(f"{label} has no field(s) {sorted(missing)} declared in its catalogue")
    if set(entries) & RESERVED:
        raise ValueError(f"{label}: {sorted(set(entries) & RESERVED)} can't be catalogued")
    _CATALOGUE[label] = entries


def catalogued_models() -> list[str]:
    """The labels (``app.model``) of every catalogued model, for tests and checks."""
    return sorted(_CATALOGUE)


def policies_for(model: type[models.Model] | models.Model) -> dict[str, FieldPolicy]:
    label = model._meta.label_lower
    try:
        return _CATALOGUE[label]
    except KeyError:
        raise LookupError(f"{label} is not in the field catalogue") from None
