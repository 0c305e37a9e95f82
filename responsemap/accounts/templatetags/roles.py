"""``{{ viewer.role|role_name }}``: a role in words, in the reader's language (a default
role's label; a role a manager made shows its code, as no query is spent per page)."""

from __future__ import annotations

from django import template

from responsemap.accounts.permissions import DEFAULT_ROLES

register = template.Library()


@register.filter
def role_name(code: str) -> str:
    role = DEFAULT_ROLES.get(code)
    return str(role["label"]) if role else code
