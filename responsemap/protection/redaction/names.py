"""Person names, found from their context first and from name lists second.

Most names of the people who write in are in no public list, so the rules read the
context (the cues come from ``lexicon/<language>.txt``, every language at once):

* after a cue that says a name follows ("my name is", "naitwa", "magacaygu waa", "sunana",
  "mwen rele", "اسمي", "Nombres:"): the next words, whatever their case, up to the first
  function word, punctuation or number;
* after a kinship, role or honorific word, a greeting or a sign-off ("my neighbour",
  "Hajji", "the camp leader", "jirani", "baradar-e man", "المختار"): the next words unless
  they are ordinary words (an ordinary word counts when it is capitalised in a text that
  uses capitals, or is an ordinary word that is also a given name: "my daughter Joy");
* between the two halves of a frame ("man ... astam", "ni ... ne"), before a word that
  follows names ("... says", "... calling from"), right before a phone number or an
  e-mail address, and as a signature at the end of the message;
* capitalised words in a text that uses capitals, not at a sentence start, not after a
  place word ("in", "kutoka") and not inside an organisation ("Hope Centre"); at a sentence
  start only two or more of them, or one the name lists know;
* names the lists know, in a text written all in lower case or capitals, when two or more
  follow each other;
* every other mention of a name found once.

Ordinary words that are also names ("Hope", "Grace", "May", "Amani", "صباح") and the
project's words never to remove (its area names among them) are kept unless a cue makes
them a name.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from functools import lru_cache, partial
from typing import NamedTuple

from responsemap.protection.redaction.cues import AFTER, FRAMES, Phrase, cue_index
from responsemap.protection.redaction.gazetteer import gazetteer, known
from responsemap.protection.redaction.lexicon import alternation, key, lexicon, script
from responsemap.protection.redaction.spans import Span, merge, overlaps

__all__ = ["find_names"]

W = lexicon()
TOKEN_RE = re.compile(
    r"[^\W\d_](?:[^\W\d_]|[\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670]|['’\-](?=[^\W\d_]))*"
)
CUE_GAP = re.compile(r"[\s,:;\"“”'«»(\-–—]*")
CONTACT_GAP_RE = re.compile(
    r"[\s,:;\-–(/|]*(?:(?:tel|tél|phone|cel|mob|on|au|al|sur|at|email|e-mail|wa|whatsapp|"
    r"kwa|ku|ka|na|:)\.?[\s:;\-(]*)?",
    re.IGNORECASE,
)
CONJUNCTION = frozenset(key(w) for w in ("and", "&", "et", "y", "e", "na", "iyo", "da", "wa", "و"))
# One-word cues are never names themselves ("Aabahay Ayaanle": "my father Ayaanle").
CUE_WORDS = frozenset(
    key(c) for c in W.intro + W.relation + W.phone_cues + W.id_cues if " " not in c.strip(":.")
)
# Words built on a phone or number cue ("lambarkayga", "mpigieni", "رقمه", "Callback").
CONTACT_STEMS = tuple(
    key(w)
    for w in [
        "lamba",
        "namba",
        "numer",
        "nimewo",
        "telef",
        "telep",
        "phone",
        "callback",
        "whats",
        "mpigi",
        "nipigi",
        "pigia",
        "رقم",
        "ورقم",
        "تلفون",
        "هاتف",
        "موبايل",
        "جوال",
        "اتصل",
    ]
)
# English verb and adverb endings: "my son playing", "caller alleges", "my wife recently".
VERB_ENDINGS = ("ing", "ly", "ed", "es")
SENTENCE_END = ".!?…:;\n¡¿"
SEGMENT_END = '.!?…:;\n¡¿,|/()[]-–—"“”«»'
# Particles a name may open with ("Abu Yusuf", "al-Amin", "bin Laden"); "de", "do" and
# "la" open ordinary words too ("kids do homework").
NAME_OPENERS = frozenset(
    key(w) for w in ("abu", "abou", "umm", "um", "al", "el", "bin", "ibn", "bint", "ould", "wad")
) | frozenset(key(w) for w in ("أبو", "ابو", "أم", "ام", "بن", "ابن", "بنت", "عبد"))
KUNYA = frozenset(key(w) for w in ("abu", "abou", "umm", "um", "أبو", "ابو", "أم", "ام"))
ARTICLES = frozenset(("the", "la", "le", "les", "el", "los", "las", "l", "un", "une", "a", "an"))
COLON_RE = re.compile(r"\s*:")
PLACE_GAP = re.compile(r"[ \t]*(?:[\d\-]+[ \t]*|:[ \t]*)?")
LABEL_RE = re.compile(r"(?:\s+[^\W\d_]+){0,2}\s*:")
ASCII_LETTER_RE = re.compile(r"[A-Za-z]")
UPPER_RE = re.compile(r"[A-Z]")
ARABIC_RE = re.compile(r"[\u0600-\u06ff]")
LATIN_RE = re.compile(r"[A-Za-z\u00c0-\u024f]")
AFTER_GAP = re.compile(r"[\s,]*")
_B, _E = r"(?<![\w])", r"(?:(?![\w])|(?<=[.:]))"


SIGNOFF_RE = re.compile(rf"^[\s,.:;!\-–—]*(?:(?:{alternation(W.signoff)}){_E}[\s,.:;!\-–—]*)*")


class Tok(NamedTuple):
    start: int
    end: int
    text: str
    key: str
    script: str


def _tokens(text: str, taken: list[Span]) -> list[Tok]:
    """Word tokens outside the ``taken`` spans (which are sorted and disjoint)."""
    out = []
    k = 0
    for m in TOKEN_RE.finditer(text):
        while k < len(taken) and taken[k].end <= m.start():
            k += 1
        if k == len(taken) or taken[k].start >= m.end():
            word = m.group()
            word_key = key(word)
            word_key = word_key[:-2] if word_key.endswith("'s") else word_key  # "Aisha's"
            out.append(Tok(m.start(), m.end(), word, word_key, _script(word)))
    return out


@lru_cache(maxsize=1 << 16)
def _script(word: str) -> str:
    return script(word)


def _initial(tok: Tok) -> str:
    """The letter that carries a name's case: "R" of "al-Rashidi", "B" of "Jn-Baptiste"."""
    head, _, rest = tok.text.partition("-")
    if rest and key(head) in W.particles | W.function and rest[0].isalpha():
        return rest[0]
    return tok.text[0]


def _acronym(word_key: str) -> bool:
    vowels = sum(c in "aeiouy" for c in word_key)
    return len(word_key) <= 3 or (len(word_key) <= 5 and vowels <= 1)


def _sentence_start(text: str, pos: int) -> bool:
    while pos and text[pos - 1] in " \t\"'“”«»(-–—*":
        pos -= 1
    return not pos or text[pos - 1] in SENTENCE_END


class NameFinder:
    """Finds person names in one text; the other personal details are already known."""

    def __init__(
        self, text: str, taken: list[Span], keep: frozenset[str], cues: tuple[str, ...] = ()
    ) -> None:
        self.text = text
        self.taken = taken
        self.keep = keep
        self.cues = cue_index(cues)
        self.toks = _tokens(text, taken)
        self.at = {t.start: i for i, t in enumerate(self.toks)}
        latin = len(ASCII_LETTER_RE.findall(text))
        upper = len(UPPER_RE.findall(text))
        # Capitals carry a signal only in a text that mixes them with lower case.
        self.cased = bool(latin) and 0 < upper < 0.6 * latin
        self.arabic = len(ARABIC_RE.findall(text)) > len(LATIN_RE.findall(text))

    # ------------------------------------------------------------ word classes
    def title(self, tok: Tok) -> bool:
        return self.cased and tok.text[0].isupper()

    def plain(self, tok: Tok) -> bool:
        """An ordinary word, a function word, or one the project keeps."""
        k = tok.key
        return (
            len(k) < 2
            or k in W.function
            or k in W.ordinary
            or k in W.namewords
            or k in self.keep
            or k in CUE_WORDS
            or (k.split("-")[0] in W.function and k.split("-")[0] not in W.particles)
            or k.startswith(CONTACT_STEMS)
        )

    def arabic_stop(self, tok: Tok) -> bool:
        k = tok.key
        return (
            k in W.function
            or k in W.ordinary
            or k in self.keep
            or k in CUE_WORDS
            or len(k) < 2
            or k.startswith(CONTACT_STEMS)
        )

    def first_after_cue(self, tok: Tok, intro: bool) -> bool:
        k = tok.key
        if tok.script == "arabic":
            return not self.arabic_stop(tok) or (intro and k in W.namewords)
        if k in W.function or k in self.keep or len(k) < 2 or k in W.org:
            return False
        if k in W.namewords:
            return True
        if k in W.ordinary:
            return intro or (self.title(tok) and not _sentence_start(self.text, tok.start))
        if not intro and self.cased and tok.text.isupper() and _acronym(k) and not known(k):
            return False  # "thanks IOM", "asante UNHCR"
        if k in CUE_WORDS or k.startswith(CONTACT_STEMS):
            return False
        return intro or self.title(tok) or not k.endswith(VERB_ENDINGS) or known(k)

    def continues(self, first: Tok, tok: Tok) -> bool:
        """May ``tok`` go on a name that starts with ``first``?"""
        if tok.script != first.script or tok.key in W.org:
            return False
        if tok.script == "arabic":
            if self.arabic_stop(tok):
                return False
            # "وعندي" (and I have), "يحتاج" (he needs): a conjunction or a verb, not a name
            return not (tok.text.startswith(("و", "ي")) and len(tok.key) > 3 and not known(tok.key))
        if self.plain(tok):
            return self.title(tok) and known(tok.key) and tok.key not in W.function
        if self.cased:  # a name keeps its case: "Maryuri is", "Ali went"
            return _initial(tok).isupper() == _initial(first).isupper()
        return True

    def is_particle(self, tok: Tok) -> bool:
        return tok.key in W.particles

    # ------------------------------------------------------------------- runs
    def joined(self, left: Tok, right: Tok) -> bool:
        gap = self.text[left.end : right.start]
        return bool(gap) and gap.isspace() and "\n" not in gap

    def extend(self, i: int, accept: Callable[[Tok], bool], limit: int = 4) -> int:
        """Index past the last token of the run starting at ``i``."""
        j = i + 1
        toks = self.toks
        while j < len(toks) and j - i < limit and self.joined(toks[j - 1], toks[j]):
            if accept(toks[j]):
                j += 1
            elif self.is_particle(toks[j]):
                # one or two particles, then a name word: "bin Omar", "de la Cruz"
                k = j + 1
                if k < len(toks) and self.is_particle(toks[k]) and self.joined(toks[j], toks[k]):
                    k += 1
                if (
                    k < len(toks)
                    and self.joined(toks[k - 1], toks[k])
                    and (accept(toks[k]) or self.after_particle(toks[k]))
                ):
                    j = k + 1
                else:
                    break
            else:
                break
        return j

    def start_run(self, i: int, intro: bool) -> int | None:
        """End index of a name that starts at token ``i`` right after a cue, or None."""
        toks = self.toks
        first = toks[i]
        if (
            first.key in NAME_OPENERS
            and i + 1 < len(toks)
            and self.joined(first, toks[i + 1])
            and self.first_after_cue(toks[i + 1], intro)
        ):
            return self.extend(i + 1, lambda t: self.continues(toks[i + 1], t))
        if (
            first.script == "arabic"
            and not intro
            and first.key.startswith("ال")
            and not known(first.key)
            and i + 1 < len(toks)
            and self.joined(first, toks[i + 1])
        ):
            return self.start_run(i + 1, intro)  # "مسؤول اللجنة قصي": the committee's head
        if not self.first_after_cue(first, intro):
            return None
        if first.script == "arabic" and not intro:
            return self.extend(
                i, lambda t: self.continues(first, t) and known(t.key) or self.is_particle(t), 3
            )
        return self.extend(i, lambda t: self.continues(first, t))

    def after_particle(self, tok: Tok) -> bool:
        """A capitalised word after "de la", "bin": a surname even if it is also a word
        ("de la Cruz", "bin Sultan")."""
        return (
            self.cased
            and tok.text[0].isupper()
            and tok.key not in W.function
            and tok.key not in W.org
            and tok.key not in self.keep
        )

    def span(self, i: int, j: int) -> Span:
        return Span(self.toks[i].start, self.toks[j - 1].end, "PERSON")

    def with_conjoined(self, i: int, j: int, found: list[Span]) -> None:
        """Add the run, and a name joined to it by "and" ("Marah and Samah")."""
        found.append(self.span(i, j))
        toks = self.toks
        if (
            j + 1 < len(toks)
            and toks[j].key in CONJUNCTION
            or (j + 1 < len(toks) and self.text[toks[j - 1].end : toks[j].start].strip() == "&")
        ):
            k = j + 1 if toks[j].key in CONJUNCTION else j
            if k < len(toks) and self.first_after_cue(toks[k], False) and not self.plain(toks[k]):
                end = self.extend(k, lambda t: self.continues(toks[k], t))
                found.append(self.span(k, end))

    # ------------------------------------------------------------------ rules
    def phrase_at(
        self, i: int, index: dict[str, tuple[Phrase, ...]]
    ) -> tuple[int, int, str] | None:
        """(index past the phrase's last token, end offset, kind) of the longest phrase of
        ``index`` that starts at token ``i``, or None."""
        toks = self.toks
        for words, kind, mark in index.get(toks[i].key, ()):
            n = len(words)
            if i + n > len(toks):
                continue
            if any(toks[i + k].key != words[k] for k in range(1, n)):
                continue
            if any(not self.joined(toks[i + k - 1], toks[i + k]) for k in range(1, n)):
                continue
            end = toks[i + n - 1].end
            if mark == ":":
                m = COLON_RE.match(self.text, end)
                if not m:
                    continue
                end = m.end()
            elif self.text[end : end + 1] == ".":
                end += 1  # "Mr. Okello", "att. beatriz"
            elif mark == ".":
                continue
            return i + n, end, kind
        return None

    def after_cues(self) -> list[Span]:
        found: list[Span] = []
        toks = self.toks
        matches = [(i, self.phrase_at(i, self.cues)) for i in range(len(toks))]
        cue_at = {i for i, m in matches if m is not None}
        for _i, m in matches:
            if m is None:
                continue
            j, end, kind = m
            if j >= len(toks) or j in cue_at:
                continue  # another cue follows: "أنا أبوها كمال", "through neighbour X"
            if not CUE_GAP.fullmatch(self.text, end, toks[j].start):
                continue
            run_end = self.start_run(j, kind == "intro")
            if run_end is not None:
                self.with_conjoined(j, run_end, found)
        return found

    def frames(self) -> list[Span]:
        found = []
        toks = self.toks
        for i, tok in enumerate(toks):
            afters = FRAMES.get(tok.key)
            if not afters:
                continue
            for n in range(1, 4):
                k = i + 1 + n
                if k >= len(toks) or not self.joined(toks[k - 1], toks[k]):
                    break
                if toks[k].key in afters:
                    run = toks[i + 1 : k]
                    if not any(t.key in W.function or t.key in self.keep for t in run):
                        found.append(self.span(i + 1, k))
                    break
        return found

    def backward_run(self, end_index: int, accept: Callable[[Tok], bool]) -> int:
        """Start index of the run of accepted tokens that ends at ``end_index``."""
        i = end_index
        toks = self.toks
        while i > 0 and end_index - i < 3 and accept(toks[i - 1]):
            if i < end_index and not self.joined(toks[i - 1], toks[i]):
                break
            i -= 1
        return i

    def name_word(self, tok: Tok) -> bool:
        """Could ``tok`` be part of a name with no cue but its place (before a phone)?"""
        if tok.script == "arabic":
            return not self.arabic_stop(tok)
        if tok.key in W.namewords:  # "Grace 0712...", "Grace Otieno here"
            return not self.cased or tok.text[0].isupper()
        return not (self.plain(tok) or tok.key in W.org)

    def before_contacts(self) -> list[Span]:
        found = []
        starts = [t.start for t in self.toks]
        for span in self.taken:
            if span.kind not in ("PHONE", "EMAIL"):
                continue
            # the last token before the contact, if only a short gap separates them
            j = bisect_left(starts, span.start)
            if j == 0:
                continue
            last = self.toks[j - 1]
            if not CONTACT_GAP_RE.fullmatch(self.text[last.end : span.start]):
                continue
            i = self.cased_run(j)
            if i < j:
                found.append(self.span(i, j))
        return found

    def before_after_cues(self) -> list[Span]:
        found = []
        toks = self.toks
        for i in range(len(toks) - 1):
            if toks[i + 1].key not in AFTER or not AFTER_GAP.fullmatch(
                self.text, toks[i].end, toks[i + 1].start
            ):
                continue
            if self.phrase_at(i + 1, AFTER) is None:
                continue
            start = self.cased_run(i + 1)
            if start <= i:
                found.append(self.span(start, i + 1))
        return found

    def cased_run(self, end_index: int) -> int:
        """Start of the name that ends at ``end_index`` (before a phone, before "says"):
        capitalised words in a text that uses capitals, unless the run opens a segment
        ("... peace talks. lueth wol 0923...")."""
        start = self.backward_run(end_index, self.name_word)
        if start < end_index and self.segment_start(self.toks[start].start):
            return start
        return self.backward_run(end_index, lambda t: self.name_word(t) and self.capital_ok(t))

    def segment_start(self, pos: int) -> bool:
        before = self.text[:pos].rstrip(" \t")
        return not before or before[-1] in SEGMENT_END

    def kunyas(self) -> list[Span]:
        """ "Abu Yusuf", "Umm Khaled", "أبو فراس": a name wherever it stands."""
        found = []
        toks = self.toks
        for i in range(len(toks) - 1):
            if toks[i].key not in KUNYA or not self.joined(toks[i], toks[i + 1]):
                continue
            nxt = toks[i + 1]
            prev = toks[i - 1] if i else None
            if prev is not None and (prev.key in W.place or prev.key in W.org):
                continue  # "معسكر أبو شوك", "at Um Rakuba": a place
            if nxt.script == "arabic":
                ok = not self.arabic_stop(nxt)
            elif self.cased:
                ok = nxt.text[0].isupper() and nxt.key not in W.function and nxt.key not in W.org
            else:
                ok = not self.plain(nxt) and nxt.key not in W.org
            if ok:
                end = self.extend(i + 1, partial(self.continues, nxt), 2)
                if not (end < len(toks) and toks[end].key in W.org):
                    found.append(self.span(i, end))
        return found

    def capital_ok(self, tok: Tok) -> bool:
        return not self.cased or tok.script == "arabic" or tok.text[0].isupper()

    def signature(self) -> list[Span]:
        """The name that closes a message: "... study there. monowara", "- RAMBANG"."""
        text = self.text.rstrip(" \t\n.!?,;:)")
        if not text:
            return []
        cut = max(text.rfind(ch) for ch in SEGMENT_END)
        for span in self.taken:
            if span.end <= len(text):
                cut = max(cut, span.end - 1)
        segment_start = cut + 1
        lead = SIGNOFF_RE.match(text, segment_start)
        start = lead.end() if lead else segment_start
        run = [t for t in self.toks if start <= t.start and t.end <= len(text)]
        if not run or len(run) > 4 or segment_start == 0:
            return []
        names = [t for t in run if not self.is_particle(t)]
        if not names or not all(self.name_word(t) for t in names):
            return []
        if (
            self.cased
            and not all(t.text[0].isupper() for t in names)
            and not all(t.text.islower() for t in names)
        ):
            return []
        if any(ch.isdigit() for ch in text[start:]):
            return []
        i = self.at[run[0].start]
        found: list[Span] = []
        j = i
        while j < len(self.toks) and self.toks[j].end <= len(text):
            j += 1
        # names joined by "and" / "&" are separate spans
        k = i
        while k < j:
            end = k
            while end < j and self.toks[end].key not in CONJUNCTION:
                end += 1
            if end > k:
                found.append(self.span(k, end))
            k = end + 1
        return found

    def capitalised_runs(self) -> list[Span]:
        if not self.cased:
            return self.known_runs()
        found: list[Span] = []
        toks, text = self.toks, self.text
        given, _family = gazetteer()
        i = 0
        while i < len(toks):
            tok = toks[i]
            if not self.capitalised_name_word(tok):
                i += 1
                continue
            j = self.extend(i, self.capitalised_name_word)
            run = toks[i:j]
            before = self.place_before(i)
            place = (
                before is not None
                or (i and self.joined(toks[i - 1], tok) and toks[i - 1].key in ARTICLES)
                or self.org_follows(j)
                or LABEL_RE.match(text, run[-1].end) is not None  # "Description:"
            )
            if all(t.key in W.namewords for t in run):
                i = j  # "Hope", "Joy": ordinary words unless a cue makes them names
                continue
            acronym = all(t.text.isupper() for t in run)
            knowns = [t for t in run if known(t.key)]
            if not place and (not acronym or len(knowns) == len(run)):
                if _sentence_start(text, tok.start):
                    named = len(run) >= 2 or run[0].key in given
                else:
                    named = True
                if named:
                    self.with_conjoined(i, j, found)
            i = j
        return found

    def place_before(self, i: int) -> Tok | None:
        """The place or organisation word that makes the capitalised run at ``i`` a place:
        "in Kakuma", "marché de Fon Batis", "site Gran Plato", "Camp 26 Nayapara",
        "Commune : Boukan Kare"; or None."""
        toks = self.toks
        k = i - 1
        while (
            k >= 0 and i - k <= 3 and PLACE_GAP.fullmatch(self.text, toks[k].end, toks[k + 1].start)
        ):
            word = toks[k]
            if word.key in W.place or word.key in W.org:
                return word
            if not (self.is_particle(word) or (word.text[0].isupper() and self.plain(word))):
                return None
            k -= 1
        return None

    def org_follows(self, j: int) -> bool:
        """Is one of the capitalised words after index ``j`` an organisation word
        ("Danish Refugee Council", "Faith Aid Kenya")?"""
        toks = self.toks
        k = j
        while k < len(toks) and k - j < 3 and self.joined(toks[k - 1], toks[k]):
            if toks[k].key in W.org:
                return True
            if toks[k].key in W.function or not toks[k].text[0].isupper():
                return False
            k += 1
        return False

    def capitalised_name_word(self, tok: Tok) -> bool:
        if tok.key in W.namewords and tok.text[0].isupper():
            return True  # only beside another name word: see capitalised_runs
        if tok.script != "latin" or not tok.text[0].isupper() or self.plain(tok):
            return False
        return tok.key not in W.org and tok.key.split("-")[0] not in W.ordinary

    def known_runs(self) -> list[Span]:
        """In a text with no case signal: two or more listed names in a row."""
        found = []
        i = 0
        toks = self.toks
        while i < len(toks):
            ok = self.known_word
            if not ok(toks[i]):
                i += 1
                continue
            j = self.extend(i, ok)
            if j - i >= 2:
                found.append(self.span(i, j))
            i = j
        return found

    def known_word(self, tok: Tok) -> bool:
        if tok.script == "arabic":
            return not self.arabic_stop(tok) and known(tok.key)
        return not self.plain(tok) and tok.key not in W.org and known(tok.key)

    def arabic_text_latin_names(self) -> list[Span]:
        """Latin-script words inside an Arabic text are names more often than not."""
        if not self.arabic:
            return []
        found = []
        for i, tok in enumerate(self.toks):
            prev = self.toks[i - 1] if i else None
            if (
                tok.script == "latin"
                and tok.text[0].isupper()
                and not self.plain(tok)
                and tok.key not in W.org
                and not (prev is not None and prev.key in W.place)
            ):
                found.append(self.span(i, i + 1))
        return found

    def names(self) -> list[Span]:
        found = (
            self.after_cues()
            + self.frames()
            + self.before_contacts()
            + self.before_after_cues()
            + self.signature()
            + self.capitalised_runs()
            + self.arabic_text_latin_names()
            + self.kunyas()
        )
        found = [s for s in found if not self.organisation(s)]
        names = merge(found)
        return merge(names + self.repeats(names))

    def inside(self, span: Span) -> range:
        """Indices of the tokens of ``span`` (which starts at a token)."""
        i = self.at.get(span.start, len(self.toks))
        j = i
        while j < len(self.toks) and self.toks[j].end <= span.end:
            j += 1
        return range(i, j)

    def organisation(self, span: Span) -> bool:
        """A run with an organisation word in it or right after it ("Faith Aid Kenya")."""
        inside = self.inside(span)
        if any(self.toks[i].key in W.org for i in inside):
            return True
        return bool(inside) and self.cased and self.org_follows(inside[-1] + 1)

    def repeats(self, names: list[Span]) -> list[Span]:
        """Other mentions of a found name, whole or word by word ("Grace" again; an
        ordinary word that is also a name only where it is written as in the name)."""
        wanted: dict[str, str | None] = {}
        taken: set[int] = set()
        for name in names:
            for i in self.inside(name):
                tok = self.toks[i]
                taken.add(i)
                if len(tok.key) < 3 or self.is_particle(tok):
                    continue
                if tok.key in W.namewords:
                    wanted.setdefault(tok.key, tok.text)
                elif not self.plain(tok):
                    wanted[tok.key] = None
        if not wanted:
            return []
        return [
            Span(tok.start, tok.end, "PERSON")
            for i, tok in enumerate(self.toks)
            if tok.key in wanted and wanted[tok.key] in (None, tok.text) and i not in taken
        ]


def find_names(
    text: str, taken: list[Span], keep: frozenset[str] = frozenset(), cues: tuple[str, ...] = ()
) -> list[Span]:
    """Person-name spans of ``text`` outside the ``taken`` ones."""
    finder = NameFinder(text, taken, keep, cues)
    return [n for n in finder.names() if not overlaps(n, taken)]
