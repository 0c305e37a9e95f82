"""Opt-out and opt-in keywords, and the confirmations sent back.

A message is a keyword only when it is the whole message (case, accents and trailing
punctuation ignored): "STOP" opts out, "stop the shelling" is feedback.

What goes back to a person is in their language: the contact's if known, else the
project's default (the first of its languages) — ``reply_language``, used for the
confirmations here and for the consent notice. Confirmations are translated strings,
rendered under ``translation.override``; never English by default.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

STOP_WORDS = {
    # English
    "stop", "stopall", "unsubscribe", "cancel", "end", "quit", "optout", "opt out",
    # French
    "arret", "arreter", "desabonner", "desinscrire", "stop sms",
    # Spanish
    "alto", "parar", "baja", "cancelar", "detener", "no mas",
    # Arabic
    "توقف", "قف", "الغاء", "ايقاف", "الغاء الاشتراك",
    # Haitian Creole
    "sispann", "kanpe", "anile", "kite sa",
}  # fmt: skip

START_WORDS = {
    "start", "unstop", "subscribe",
    "demarrer", "reprendre",
    "iniciar", "alta", "comenzar",
    "ابدا", "اشتراك",
    "komanse", "rekomanse",
}  # fmt: skip

CONFIRMATIONS = {
    "opt_out": _("You will get no more messages from us. Send START to receive them again."),
    "opt_in": _("Welcome back: you will receive our messages again. Send STOP to stop."),
}

_ARABIC_DIACRITICS = re.compile("[\u064b-\u065f\u0670\u0640]")
_ALEF_FORMS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ة": "ه"})
_EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$", re.UNICODE)


def normalise_keyword(text: str) -> str:
    """Lower case, no accents or Arabic diacritics, single spaces, no edge punctuation."""
    text = _ARABIC_DIACRITICS.sub("", text.translate(_ALEF_FORMS))
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = plain.replace("-", " ").replace("_", " ")
    return " ".join(_EDGE_PUNCTUATION.sub("", plain).split())


def _normalised(words: Iterable[str]) -> set[str]:
    return {normalise_keyword(w) for w in words if w.strip()}


_STOP = _normalised(STOP_WORDS)
_START = _normalised(START_WORDS)


def classify(text: str, extra_stop: Iterable[str] = (), extra_start: Iterable[str] = ()) -> str:
    """ "opt_out", "opt_in" or "message"."""
    word = normalise_keyword(text)
    if len(word) > 40:
        return "message"
    if word in _STOP or word in _normalised(extra_stop):
        return "opt_out"
    if word in _START or word in _normalised(extra_start):
        return "opt_in"
    return "message"


def reply_language(contact_language: str, project_languages: Iterable[str]) -> str:
    """The language to write to a person in: theirs if known and one we have, else the
    project's default (its first language), else the site's."""
    known = {code for code, _name in settings.LANGUAGES}
    for language in (contact_language, *project_languages):
        code = (language or "").lower()
        for candidate in (code, code.split("-")[0].split("_")[0]):
            if candidate in known:
                return candidate
    return str(settings.LANGUAGE_CODE)


def confirmation(kind: str, language: str) -> str:
    """The confirmation of an opt-out or opt-in, in ``language`` (``reply_language``)."""
    with translation.override(language):
        return str(CONFIRMATIONS[kind])
