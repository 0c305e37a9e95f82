"""Phone numbers, e-mail addresses and ID numbers.

* E-mail: one regex.
* ID numbers: the project's patterns, word-bounded, each under a time limit per message
  (``patterns.py``); letter-and-digit codes; and any
  number-like token after an identity cue in any supported language ("ration card",
  "carte de ration", "tarjeta de alimentación", "kadi ya mgao", "kaarka raashinka",
  "katin abinci", "بطاقة الإعاشة"...), up to three words after the cue.
* Phones: ``phonenumbers.PhoneNumberMatcher`` at POSSIBLE leniency for the project's
  country (field SMS carry well-formed numbers outside the operators' current ranges),
  filtered against dates and money, plus a fallback for runs of 8-15 digits it misses.

When an ID pattern and a phone match the same digits, the nearest cue before them decides
("number", "call", "رقمي" -> phone; "ID", "carte", "الهوية" -> ID; a number listed right
after a phone or an e-mail is a phone; "... is my NIN" after it -> ID). With no cue the ID
pattern wins, except for a number in national format with the trunk prefix that the
numbering plan calls a valid mobile (a Nigerian "0803..." is a phone). An ID pattern that
matches only part of a longer number does not split it.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass

import phonenumbers
from phonenumbers import Leniency, PhoneNumberMatcher, PhoneNumberType

from responsemap.protection.redaction.lexicon import alternation, lexicon
from responsemap.protection.redaction.patterns import RUN_TIMEOUT, compile_id_patterns, find_ids
from responsemap.protection.redaction.spans import Span, merge, overlaps

__all__ = ["Limits", "compile_ids", "emails", "numbers"]

_WORDS = lexicon()
ID_CUES = _WORDS.id_cues
PHONE_CUES = _WORDS.phone_cues
_B, _E = r"(?<![\w])", r"(?![\w])"
CONTEXT_RE = re.compile(
    rf"{_B}(?:(?P<id>{alternation(ID_CUES)})|(?P<phone>{alternation(PHONE_CUES)}))(?:{_E}|(?<=\.))",
    re.IGNORECASE,
)
# An identity cue, then up to three short words ("Kat rasyon fanmi an (HT/R/82605)"),
# then a token with a digit in it: an ID whatever its shape.
ID_CUE_RE = re.compile(
    rf"{_B}(?:{alternation(ID_CUES)}){_E}"
    r"(?:[\s:#=\-(\[]|\b(?:is|es|est|was|no|n[°º]|nr|number|num[ée]ro|número)\b\.?)*"
    r"(?:[^\W\d_]{1,12}[\s:]+){0,3}?[(\[#]?"
    r"(?P<tok>(?=[\w./\-]*\d)[^\W_](?:[^\W_]|[./\-](?=[^\W_]))*)",
    re.IGNORECASE,
)
TRAIL_ID_RE = re.compile(
    r"\s*(?:is|est|es|c'est)?\s*(?:my|our|his|her|mon|ma|son|sa|mi|su)?\s*"
    rf"(?:{alternation(ID_CUES)}){_E}",
    re.IGNORECASE,
)
CODE_RE = re.compile(r"(?<![\w-])[A-Z]{1,3}-?\d{6,12}(?![\w-])")
EMAIL_RE = re.compile(
    r"(?<![\w.+-])[\w.%+-]+@(?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W\d_]{2,}(?![\w-])",
    re.UNICODE,
)
# Runs of digits with single separators; the fallback for numbers the matcher missed.
DIGITS_RE = re.compile(r"(?<![A-Za-z0-9_+])(?:\+|\(\+?)?\d(?:\d|[ .\-/]\(?(?=\d)|\)\s?(?=\d))*")
DATE_RE = re.compile(
    r"\(?\s*(?:\d{1,2}[-/.]\d{1,2}[-/.](?:\d{2}|\d{4})|\d{4}[-/.]\d{1,2}[-/.]\d{1,2})\s*\)?"
)
MONEY_RE = re.compile(
    r"[$€£₦]|\b(?:usd|kes|ksh|kshs|ngn|naira|cop|pesos?|lbp|htg|gourdes?|sdg|uah|"
    r"hryvnias?|dollars?|dólares|dollars|euros?|francs?|fcfa|shillings?|ليرة|جنيه|دولار)\b",
    re.IGNORECASE,
)
CONNECTOR_RE = re.compile(r"[\s,;/]*(?:or|ou|o|and|et|y|أو|او|و)?[\s,;/:]*", re.IGNORECASE)
SPACE_RE = re.compile(r"\s*")
SEVEN_DIGITS_RE = re.compile(r"\d(?:\D{0,3}\d){6}")


def compile_ids(patterns: tuple[str, ...]) -> tuple[object, ...]:
    """The project's ID patterns compiled (ValueError if one does not): ``patterns``."""
    return compile_id_patterns(patterns)


def _digit_count(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def _emails(text: str) -> list[Span]:
    return [Span(m.start(), m.end(), "EMAIL") for m in EMAIL_RE.finditer(text)]


def _ids(text: str, id_patterns: tuple[str, ...], taken: list[Span], limits: Limits) -> list[Span]:
    found = [
        Span(start, end, "ID_NUMBER")
        for start, end in find_ids(
            text, id_patterns, timeout=limits.timeout, on_timeout=limits.on_timeout
        )
    ]
    for m in CODE_RE.finditer(text):  # letters then digits: passports, case numbers
        found.append(Span(m.start(), m.end(), "ID_NUMBER"))
    for m in ID_CUE_RE.finditer(text):
        token = m.group("tok")
        digits = _digit_count(token)
        if digits >= 5 or (digits >= 4 and not token.isdigit()):
            found.append(Span(m.start("tok"), m.end("tok"), "ID_NUMBER"))
    return merge([s for s in found if not overlaps(s, taken)])


def _plausible_phone(text: str, start: int, end: int, valid: bool) -> bool:
    raw = text[start:end]
    digits = _digit_count(raw)
    if DATE_RE.fullmatch(raw) or digits > 15:
        return False
    space = SPACE_RE.match(text, end)
    after = space.end() if space else end
    if MONEY_RE.search(text, max(0, start - 6), start) or MONEY_RE.match(text, after):
        return False
    return digits >= 8 or (valid and digits >= 7)


def _phones(text: str, region: str, taken: list[Span]) -> list[Span]:
    if not SEVEN_DIGITS_RE.search(text):
        return []  # no phone number has fewer than seven digits
    found: list[Span] = []
    for match in PhoneNumberMatcher(text, region, leniency=Leniency.POSSIBLE):
        valid = phonenumbers.is_valid_number(match.number)
        # digits glued to Latin letters are part of a code ("AB123456", "LB06668364")
        glued = text[max(0, match.start - 1) : match.start] + text[match.end : match.end + 1]
        if not any(c.isascii() and c.isalnum() for c in glued) and _plausible_phone(
            text, match.start, match.end, valid
        ):
            found.append(Span(match.start, match.end, "PHONE"))
    for m in DIGITS_RE.finditer(text):
        start, end = m.start(), m.end()
        while end > start and not text[end - 1].isdigit() and text[end - 1] != ")":
            end -= 1
        if end < len(text) and text[end].isascii() and text[end].isalpha():
            continue
        span = Span(start, end, "PHONE")
        if not overlaps(span, found) and _plausible_phone(text, start, end, False):
            found.append(span)
    return merge([s for s in found if not overlaps(s, taken)])


def _context(text: str, start: int, before: list[Span]) -> str | None:
    """ "PHONE" or "ID_NUMBER" from the nearest cue before ``start``, else None.

    ``before`` holds the detected spans that end at or before ``start``, in order.
    """
    last = before[-1] if before else None
    if last and last.kind in ("PHONE", "EMAIL") and CONNECTOR_RE.fullmatch(text[last.end : start]):
        return "PHONE"  # a list of contacts: "x@y.org or 0803..."
    kind = None
    for m in CONTEXT_RE.finditer(text, max(last.end if last else 0, start - 48), start):
        kind = "ID_NUMBER" if m.group("id") else "PHONE"
    return kind


def _national_mobile(text: str, span: Span, region: str) -> bool:
    raw = text[span.start : span.end]
    prefix = phonenumbers.ndd_prefix_for_region(region, True) or ""
    digits = "".join(ch for ch in raw if ch.isdigit())
    if raw.lstrip().startswith("+") or not prefix or not digits.startswith(prefix):
        return False
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return False
    mobile = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)
    return phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in mobile


def _resolve(
    text: str, region: str, ids: list[Span], phones: list[Span], emails: list[Span]
) -> list[Span]:
    """Settle numbers claimed both by an ID pattern and by the phone recognizer."""
    ids = sorted(ids)
    id_starts = [d.start for d in ids]
    lost: set[Span] = set()
    kept_phones = []
    context = sorted(ids + phones + emails)
    context_starts = [c.start for c in context]
    for phone in phones:
        near = ids[
            max(0, bisect_left(id_starts, phone.start) - 1) : bisect_left(id_starts, phone.end)
        ]
        rivals = [d for d in near if d.start < phone.end and phone.start < d.end and d not in lost]
        if not rivals:
            kept_phones.append(phone)
            continue
        if any(d.start < phone.start or d.end > phone.end for d in rivals):
            continue  # the phone is a fragment of an ID: the ID wins
        extra = _digit_count(text[phone.start : phone.end]) - sum(
            _digit_count(text[d.start : d.end]) for d in rivals
        )
        k = bisect_left(context_starts, min(phone.start, rivals[0].start))
        before = [c for c in context[max(0, k - 3) : k] if c.end <= phone.start]
        cue = _context(text, phone.start, before)
        if cue is None and TRAIL_ID_RE.match(text, phone.end):  # "0801... is my NIN"
            cue = "ID_NUMBER"
        if cue == "PHONE" or (
            cue is None and (extra >= 3 or _national_mobile(text, phone, region))
        ):
            lost.update(rivals)
            kept_phones.append(phone)
    return [d for d in ids if d not in lost] + kept_phones


def emails(text: str) -> list[Span]:
    return _emails(text)


@dataclass(frozen=True)
class Limits:
    """How long each of the project's ID patterns may run on one message, and who is
    told when one runs out (``patterns.find_ids``)."""

    timeout: float = RUN_TIMEOUT
    on_timeout: Callable[[str], None] | None = None


def numbers(
    text: str,
    country: str,
    id_patterns: tuple[str, ...],
    found: list[Span],
    limits: Limits | None = None,
) -> list[Span]:
    """ID numbers and phones outside the ``found`` spans (the e-mail addresses)."""
    ids = _ids(text, id_patterns, found, limits or Limits())
    phones = _phones(text, country, found)
    return _resolve(text, country, ids, phones, found)
