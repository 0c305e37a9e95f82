"""The coding framework's fields in the field catalogue (labels of the events that
change it; the framework screen shows frozen values from ``framework``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from responsemap.protection.catalogue import Classification, FieldPolicy, declare
from responsemap.triage.coding.models import Code

declare(
    Code,
    [
        FieldPolicy("kind", _("List"), Classification.INTERNAL),
        FieldPolicy("code", _("Code"), Classification.INTERNAL),
        FieldPolicy("label", _("Label"), Classification.INTERNAL),
        FieldPolicy("labels", _("Labels per language"), Classification.INTERNAL),
        FieldPolicy("position", _("Order"), Classification.INTERNAL),
        FieldPolicy("retired_at", _("Retired"), Classification.INTERNAL),
    ],
)
