"""Cue phrases as token sequences: the introductions and kinship, role and greeting
words before a name, the words after one, and the frames around one, indexed by their
first word so a text's tokens are matched in one pass (a regex of ~900 alternatives
cost more than the rest of the redaction)."""

from __future__ import annotations

from functools import cache

from responsemap.protection.redaction.lexicon import key, lexicon

__all__ = ["AFTER", "CUES", "FRAMES", "Phrase", "cue_index"]

W = lexicon()


def _phrase_words(phrase: str) -> tuple[tuple[str, ...], str]:
    """A cue phrase as token keys, and the mark that must follow it: ":" ("name:"),
    "." ("m.", which without its dot is the Creole "I"), or none."""
    phrase = phrase.strip()
    mark = phrase[-1] if phrase[-1:] in (":", ".") else ""
    words = []
    for word in phrase.replace(":", " ").split():
        word_key = key(word).strip(".")
        word_key = word_key[:-2] if word_key.endswith("'s") else word_key
        if word_key:
            words.append(word_key)
    return tuple(words), mark


Phrase = tuple[tuple[str, ...], str, str]


def _phrase_index(groups: dict[str, tuple[str, ...]]) -> dict[str, tuple[Phrase, ...]]:
    """First word -> the phrases that start with it (words, kind, colon), longest first."""
    index: dict[str, list[Phrase]] = {}
    for kind, phrases in groups.items():
        for phrase in phrases:
            words, mark = _phrase_words(phrase)
            if words:
                index.setdefault(words[0], []).append((words, kind, mark))
    return {
        first: tuple(sorted(set(found), key=lambda p: (-len(p[0]), p[1])))
        for first, found in index.items()
    }


CUES = _phrase_index({"intro": W.intro, "relation": W.relation})
AFTER = _phrase_index({"after": W.after})
FRAMES: dict[str, frozenset[str]] = {}
for _before, _after in W.frames:
    FRAMES[key(_before)] = FRAMES.get(key(_before), frozenset()) | {key(_after)}


@cache
def cue_index(extra: tuple[str, ...]) -> dict[str, tuple[Phrase, ...]]:
    if not extra:
        return CUES
    index = dict(CUES)
    for first, phrases in _phrase_index({"relation": extra}).items():
        merged = set(index.get(first, ()) + phrases)
        index[first] = tuple(sorted(merged, key=lambda p: (-len(p[0]), p[1])))
    return index
