"""``{{ code|action_label }}``: an audit action in words a person reads."""

from __future__ import annotations

from django import template

from responsemap.protection.audit_catalogue import action_label

register = template.Library()
register.filter("action_label", action_label)
