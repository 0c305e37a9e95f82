"""Offline redaction of personal details in free text.

Names, phone numbers, e-mail addresses and ID numbers become ``[NAME]``, ``[PHONE]``,
``[EMAIL]`` and ``[ID]``. Deterministic and offline: no model, no download.

* ``numbers.py``: e-mail addresses, ID numbers (the project's patterns and numbers after
  an identity cue in any supported language) and phone numbers (``phonenumbers``).
* ``names.py``: person names from context (cue phrases in every supported language,
  kinship and role words, frames, next to a phone, signatures, capitals), then from the
  name lists of ``gazetteer.py``; ``cues.py`` indexes the cue phrases by first word.
* ``lexicon/<language>.txt``: the cue phrases and word classes, one file a language
  (English, French, Spanish, Haitian Creole, Arabic, Swahili, Somali, Hausa, Nigerian
  Pidgin, Dari and Pashto in Latin letters); all are active for every message.

A project adds its ID patterns, cue words and words never to remove (``RedactionPolicy``;
the triage app adds the project's area names to the words kept). ``patterns.py`` checks
an ID pattern before it is saved and runs each under a time limit per message: one that
runs out is skipped for that message and reported, so a runaway pattern can't stall the
worker.

Library code never logs or prints message text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from responsemap.protection.redaction.lexicon import key
from responsemap.protection.redaction.names import find_names
from responsemap.protection.redaction.numbers import Limits, compile_ids, emails, numbers
from responsemap.protection.redaction.patterns import RUN_TIMEOUT
from responsemap.protection.redaction.spans import Span, merge

__all__ = ["PLACEHOLDERS", "RedactionPolicy", "Span", "find_pii", "redact"]

PLACEHOLDERS = {"PERSON": "[NAME]", "PHONE": "[PHONE]", "EMAIL": "[EMAIL]", "ID_NUMBER": "[ID]"}


@dataclass(frozen=True)
class RedactionPolicy:
    """What a project knows about its messages.

    ``country`` is the numbering plan for phones written without a country code;
    ``id_patterns`` are regexes of the project's ID numbers; ``cue_words`` are phrases
    after which a name follows (a kinship or role word of the project's languages);
    ``keep_words`` are words never removed as names (places, organisations).
    ``languages`` is recorded for callers: every cue list is always active, since field
    messages mix languages.
    """

    country: str
    languages: tuple[str, ...] = ()
    id_patterns: tuple[str, ...] = ()
    cue_words: tuple[str, ...] = ()
    keep_words: tuple[str, ...] = ()
    # Seconds each ID pattern may run on one message, and who is told (the pattern,
    # never the text) when one runs out: the message is redacted without it.
    id_pattern_timeout: float = RUN_TIMEOUT
    on_id_pattern_timeout: Callable[[str], None] | None = field(
        default=None, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Za-z]{2}", self.country or ""):
            raise ValueError("country must be an ISO 3166-1 alpha-2 code")
        object.__setattr__(self, "country", self.country.upper())
        object.__setattr__(self, "languages", tuple(self.languages))
        object.__setattr__(self, "id_patterns", tuple(self.id_patterns))
        cues = tuple(sorted({" ".join(c.split()).lower() for c in self.cue_words if c.strip()}))
        object.__setattr__(self, "cue_words", cues)
        object.__setattr__(self, "keep_words", tuple(self.keep_words))
        compile_ids(self.id_patterns)  # raises ValueError on a bad pattern

    @property
    def kept_keys(self) -> frozenset[str]:
        return _kept_keys(self.keep_words)


_KEPT: dict[tuple[str, ...], frozenset[str]] = {}


def _kept_keys(words: tuple[str, ...]) -> frozenset[str]:
    kept = _KEPT.get(words)
    if kept is None:
        kept = frozenset(key(w) for phrase in words for w in phrase.split() if len(w) > 1)
        if len(_KEPT) > 256:
            _KEPT.clear()
        _KEPT[words] = kept
    return kept


def find_pii(text: str, policy: RedactionPolicy) -> list[Span]:
    """Sorted, non-overlapping spans of personal details in ``text``."""
    if not text:
        return []
    found = emails(text)
    limits = Limits(policy.id_pattern_timeout, policy.on_id_pattern_timeout)
    taken = sorted(found + numbers(text, policy.country, policy.id_patterns, found, limits))
    names = find_names(text, taken, policy.kept_keys, policy.cue_words)
    return merge(taken + names)


def redact(text: str, policy: RedactionPolicy) -> str:
    """``text`` with each personal detail replaced by its typed placeholder."""
    out = []
    pos = 0
    for span in find_pii(text, policy):
        out.append(text[pos : span.start])
        out.append(PLACEHOLDERS[span.kind])
        pos = span.end
    out.append(text[pos:])
    return "".join(out)
