"""``{{ recode_words|changes_of:event.id }}``: a re-coding's previous → new codes in
words on a record's history (``triage.coding.history``)."""

from __future__ import annotations

from collections.abc import Mapping

from django import template

register = template.Library()


@register.filter
def changes_of(words: Mapping[str, str] | None, event_id: object) -> str:
    return (words or {}).get(str(event_id), "")
