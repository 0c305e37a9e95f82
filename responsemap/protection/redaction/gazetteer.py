"""Given names and surnames from the person-name lists the ``faker`` package ships.

~54,000 distinct names from ~80 locales (MIT, pure Python), Kenyan, Nigerian, Ghanaian,
Swahili, Arabic, French, Spanish and (transliterated) Ukrainian ones among them. A hint,
never the rule: most names of the communities the programmes serve are in no list, so
context decides first (see ``names.py``). Not used: ``names-dataset`` (large, and derived
from leaked personal data).
"""

from __future__ import annotations

from functools import cache

from responsemap.protection.redaction.lexicon import faker_name_lists, key, lexicon

__all__ = ["gazetteer", "known"]


@cache
def gazetteer() -> tuple[frozenset[str], frozenset[str]]:
    """(given names, surnames) as lookup keys, minus ordinary and function words."""
    given: set[str] = set()
    family: set[str] = set()
    for is_given, name in faker_name_lists():
        for part in name.split():
            keys = {key(part), *(key(p) for p in part.split("-") if len(p) > 1)}
            (given if is_given else family).update(k for k in keys if len(k) > 1)
    words = lexicon()
    noise = words.function | words.ordinary | words.particles | words.namewords
    return frozenset(given - noise), frozenset(family - noise)


def known(word_key: str) -> bool:
    given, family = gazetteer()
    if word_key in given or word_key in family:
        return True
    parts = [p for p in word_key.split("-") if p]
    return len(parts) > 1 and all(p in given or p in family for p in parts)
