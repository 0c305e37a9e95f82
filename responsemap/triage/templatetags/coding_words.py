"""``{{ recode_words|changes_of:event.id }}``: a re-coding's previous → new codes in
words on a record's history (``triage.coding.history``); ``language_word``: a language
by name, never its code."""

from __future__ import annotations

from collections.abc import Mapping

from django import template

register = template.Library()


@register.filter
def changes_of(words: Mapping[str, str] | None, event_id: object) -> str:
    return (words or {}).get(str(event_id), "")


@register.filter
def language_word(code: str | None) -> str:
    """``{{ contact.language.value|language_word }}``: a language by its own name
    ("français"), its code only for a language Django has no name for."""
    from responsemap.triage.forms import language_name

    return language_name(code) if code else ""
