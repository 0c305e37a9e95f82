"""Keyword matching: the same word however it is typed (case, accents, Arabic variants)."""

from __future__ import annotations

import pytest

from responsemap.triage.rules.defaults import PROTECTION_KEYWORDS
from responsemap.triage.rules.matching import KeywordSet, normalise_for_rules


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Écoles FERMÉES", "ecoles fermees"),
        ("VIOLÉE", "violee"),
        ("أحمد إبراهيم آمنة", "احمد ابراهيم امنه"),  # alef forms, ة → ه
        ("مستشفى", "مستشفي"),  # ى → ي
        ("ضـــرب", "ضرب"),  # tatweel
        ("ضَرَبَنِي", "ضربني"),  # harakat
        ("  kadejak,  ki  te   fèt ", "kadejak ki te fet"),
    ],
)
def test_text_is_normalised(typed: str, expected: str) -> None:
    assert normalise_for_rules(typed) == expected


def test_a_keyword_matches_whole_words_however_typed() -> None:
    words = KeywordSet.of(["violée", "touched me", "اغتصاب", "مدرسة"])
    assert words.found_in(normalise_for_rules("Ma sœur a été VIOLEE hier"))
    assert words.found_in(normalise_for_rules("he TOUCHED   me at the camp"))
    assert words.found_in(normalise_for_rules("حالة إغتصاب في المخيم"))  # إ typed
    assert words.found_in(normalise_for_rules("المدرسه مغلقة"))  # ه typed for ة
    assert not words.found_in(normalise_for_rules("touched the wall; me too"))
    assert not words.found_in(normalise_for_rules("violees"))  # whole words only


def test_an_empty_set_matches_nothing() -> None:
    assert not KeywordSet.of([]).found_in("anything")
    assert not KeywordSet.of(["  ", "!"]).found_in("anything")


def test_defaults_have_a_few_dozen_words_per_language() -> None:
    assert set(PROTECTION_KEYWORDS) == {"en", "fr", "es", "ar", "ht"}
    for words in PROTECTION_KEYWORDS.values():
        assert 25 <= len(words) <= 60
        assert all(normalise_for_rules(w) for w in words)
