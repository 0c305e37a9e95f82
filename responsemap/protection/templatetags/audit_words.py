"""Audit events in words a person reads: ``{{ code|action_label }}`` and
``{{ names|field_labels:"feedback" }}`` (the fields an event names, by the catalogue)."""

from __future__ import annotations

from django import template

from responsemap.protection.audit_catalogue import action_label, field_label

register = template.Library()
register.filter("action_label", action_label)


@register.filter
def field_labels(names: list[str], object_type: str) -> str:
    return ", ".join(field_label(object_type, name) for name in names or [])
