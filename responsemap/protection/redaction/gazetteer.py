"""Given names and surnames from the person-name lists the ``faker`` package ships.

~54,000 distinct names from ~80 locales (MIT, pure Python), Kenyan, Nigerian, Ghanaian,
Swahili, Arabic, French, Spanish and (transliterated) Ukrainian ones among them. A hint,
never the rule: most names of the communities the programmes serve are in no list, so
context decides first (see ``names.py``). Not used: ``names-dataset`` (large, and derived
from leaked personal data).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from responsemap.protection.redaction.lexicon import key, lexicon

__all__ = ["gazetteer", "known"]

_CYRILLIC_PAIRS = (
    "а=a б=b в=v г=h ґ=g д=d е=e є=ye ж=zh з=z и=y і=i ї=yi й=y к=k л=l м=m н=n о=o п=p р=r"
    " с=s т=t у=u ф=f х=kh ц=ts ч=ch ш=sh щ=shch ь= ю=yu я=ya ы=y э=e ъ= ё=yo"
)
_CYRILLIC = dict(pair.split("=") for pair in _CYRILLIC_PAIRS.split())
_RUSSIAN = {**_CYRILLIC, "г": "g", "и": "i", "й": "i", "е": "e"}


def _transliterate(word: str, table: dict[str, str]) -> str:
    out = []
    for ch in word:
        low = ch.lower()
        latin = table.get(low, ch)
        out.append(latin.capitalize() if ch != low and latin else latin)
    return "".join(out)


def faker_name_lists() -> Iterable[tuple[bool, str]]:
    """(is_given_name, name) from every person provider faker ships; empty without it."""
    try:
        import importlib
        import pkgutil

        import faker.providers.person as person
    except ImportError:  # pragma: no cover - faker is a pinned dependency
        return
    for info in pkgutil.iter_modules(person.__path__):
        provider = importlib.import_module(f"{person.__name__}.{info.name}").Provider
        table = _CYRILLIC if info.name.startswith("uk") else _RUSSIAN
        cyrillic = info.name.startswith(("uk", "ru", "bg"))
        for attr in dir(provider):
            if not attr.startswith(("first_names", "last_names")):
                continue
            values = getattr(provider, attr)
            if not isinstance(values, (dict, list, tuple)):
                continue
            for value in values:
                if isinstance(value, str):
                    name = _transliterate(value, table) if cyrillic else value
                    yield attr.startswith("first"), name


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
