"""Matching a record's text against keyword lists, whatever its script or spelling.

Text and keywords go through the same ``normalise_for_rules``: the search index's
normalisation (``protection.tokens.normalise``: compatibility form, case folded, accents
and every combining mark dropped, which also takes the Arabic harakat and the hamza off
أ إ آ) plus the Arabic letter variants people type interchangeably: ة → ه, ى → ي, the
remaining alef forms → ا, and tatweel (ـ) removed. A keyword matches whole words: one
word, or several words in a row ("hurt me"), in Arabic also after an attached article
or preposition. Matching is plain Python on the text
before it is sealed; no text is kept or logged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from responsemap.protection.tokens import normalise

_ARABIC_VARIANTS = str.maketrans(
    {
        "\u0623": "\u0627",  # أ
        "\u0625": "\u0627",  # إ
        "\u0622": "\u0627",  # آ
        "\u0671": "\u0627",  # ٱ
        "\u0629": "\u0647",  # ة → ه
        "\u0649": "\u064a",  # ى → ي
        "\u0640": None,  # tatweel
    }
)
_WORD = re.compile(r"\w+")
# Arabic writes the article and some prepositions as part of the word ("المدرسة",
# "بالسكين"): a keyword may follow one of them (normalised forms).
_ARABIC_PREFIXES = "(?:وال|بال|فال|كال|لل|ال|و|ف|ب|ل)?"


def normalise_for_rules(text: str) -> str:
    """Words of ``text`` normalised and joined by single spaces."""
    folded = normalise(text.translate(_ARABIC_VARIANTS)).translate(_ARABIC_VARIANTS)
    return " ".join(_WORD.findall(folded))


@dataclass(frozen=True)
class KeywordSet:
    """Keywords compiled once (per batch): one regular expression of whole words."""

    pattern: re.Pattern[str] | None

    @classmethod
    def of(cls, keywords: Iterable[str]) -> KeywordSet:
        words = sorted({normalise_for_rules(k) for k in keywords} - {""}, key=len, reverse=True)
        if not words:
            return cls(None)
        alternatives = "|".join(map(re.escape, words))
        return cls(re.compile(rf"(?<!\w){_ARABIC_PREFIXES}(?:{alternatives})(?!\w)"))

    def found_in(self, normalised_text: str) -> bool:
        return self.pattern is not None and self.pattern.search(normalised_text) is not None
