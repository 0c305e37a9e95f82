"""A row's suggestion card from the inbox's map of them (``suggestions.queries.
cards_for``)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def suggestion_of(cards: dict[str, Any] | None, record_id: object) -> Any:
    return (cards or {}).get(str(record_id))
