"""The words redaction reads context from, loaded once from ``lexicon/<language>.txt``.

Each file holds one language's cue phrases and word classes (``lexicon/README.md`` says
which); every language is always active, because field messages mix them. Faker's
lorem word lists (the most common words of English, French, Spanish and Arabic) widen
the ordinary words; they hold no names.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

__all__ = [
    "LEXICON_DIR",
    "Lexicon",
    "alternation",
    "faker_name_lists",
    "key",
    "lexicon",
    "script",
]

LEXICON_DIR = Path(__file__).resolve().parent / "lexicon"
WORD_SECTIONS = ("function", "ordinary", "namewords", "org", "place", "particles")
PHRASE_SECTIONS = ("intro", "relation", "after", "frame", "id", "phone", "signoff")


@lru_cache(maxsize=1 << 16)
def key(word: str) -> str:
    """Lookup key: case-folded, without accents, Arabic letter variants folded."""
    decomposed = unicodedata.normalize("NFKD", word.replace("’", "'"))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = stripped.replace("\u0640", "").replace("ة", "ه").replace("ى", "ي")
    stripped = stripped.replace("أ", "ا").replace("إ", "ا").replace("آ", "ا")
    return unicodedata.normalize("NFC", stripped).casefold()


def script(word: str) -> str:
    for ch in word:
        if ch.isalpha():
            return "arabic" if "\u0600" <= ch <= "\u06ff" else "latin"
    return "other"


def alternation(phrases: Iterable[str]) -> str:
    """A regex alternation of phrases, longest first, spaces and apostrophes loose."""
    ordered = sorted(set(phrases), key=len, reverse=True)
    parts = [re.escape(p).replace(r"\ ", r"\s+").replace("'", "['’]") for p in ordered]
    return "|".join(parts) or "(?!)"


@dataclass(frozen=True)
class Lexicon:
    function: frozenset[str]
    ordinary: frozenset[str]
    namewords: frozenset[str]
    org: frozenset[str]
    place: frozenset[str]
    particles: frozenset[str]
    intro: tuple[str, ...]
    relation: tuple[str, ...]
    after: tuple[str, ...]
    frames: tuple[tuple[str, str], ...]
    id_cues: tuple[str, ...]
    phone_cues: tuple[str, ...]
    signoff: tuple[str, ...]


def _read(path: Path) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for raw in path.read_text("utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
        elif current is not None:
            current.append(line)
    return sections


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


def _lorem_words() -> Iterable[str]:
    try:
        from faker.providers.lorem.ar_AA import Provider as Arabic
        from faker.providers.lorem.en_US import Provider as English
        from faker.providers.lorem.es_ES import Provider as Spanish
        from faker.providers.lorem.fr_FR import Provider as French
    except ImportError:  # pragma: no cover - faker is a pinned dependency
        return
    yield from English.word_list
    # The French, Spanish and Arabic lists come from literature: their characters'
    # given names (Pedro, Rafael, علي) are left out.
    given = {key(name) for is_given, name in faker_name_lists() if is_given}
    for provider in (French, Spanish, Arabic):
        yield from (w for w in provider.word_list if key(w) not in given)


def _phrase_keys(lines: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({" ".join(line.split()).lower() for line in lines}))


@cache
def lexicon(languages: tuple[str, ...] | None = None) -> Lexicon:
    """Every language's words merged (``languages`` restricts the files read, for tests)."""
    words: dict[str, set[str]] = {name: set() for name in WORD_SECTIONS}
    phrases: dict[str, list[str]] = {name: [] for name in PHRASE_SECTIONS}
    for path in sorted(LEXICON_DIR.glob("*.txt")):
        if languages is not None and path.stem not in languages:
            continue
        sections = _read(path)
        for name in WORD_SECTIONS:
            words[name].update(key(w) for line in sections.get(name, ()) for w in line.split())
        for name in PHRASE_SECTIONS:
            phrases[name].extend(sections.get(name, ()))
    words["ordinary"].update(key(w) for w in _lorem_words())
    frames = []
    for line in phrases["frame"]:
        before, _, after = line.partition("...")
        if before.strip() and after.strip():
            frames.append((before.strip().lower(), after.strip().lower()))
    namewords = frozenset(words["namewords"])
    return Lexicon(
        function=frozenset(words["function"]),
        ordinary=frozenset(words["ordinary"] - namewords),
        namewords=namewords,
        org=frozenset(words["org"]),
        place=frozenset(words["place"]),
        particles=frozenset(words["particles"]),
        intro=_phrase_keys(phrases["intro"]),
        relation=_phrase_keys(phrases["relation"]),
        after=_phrase_keys(phrases["after"]),
        frames=tuple(sorted(set(frames))),
        id_cues=_phrase_keys(phrases["id"]),
        phone_cues=_phrase_keys(phrases["phone"]),
        signoff=_phrase_keys(phrases["signoff"]),
    )
