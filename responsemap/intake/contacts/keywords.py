"""Opt-out and opt-in keywords, and the confirmations sent back.

A message is a keyword only when it is the whole message (case, accents and trailing
punctuation ignored): "STOP" opts out, "stop the shelling" is feedback.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

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
    "opt_out": {
        "en": "You will get no more messages from us. Send START to receive them again.",
        "fr": "Vous ne recevrez plus de messages de notre part. Envoyez START pour les recevoir à nouveau.",
        "es": "No recibirá más mensajes nuestros. Envíe START para volver a recibirlos.",
        "ar": "لن تصلك رسائل منا بعد الآن. أرسل START لتلقيها مجددًا.",
        "ht": "Ou p ap resevwa mesaj nou ankò. Voye START pou resevwa yo ankò.",
    },
    "opt_in": {
        "en": "Welcome back: you will receive our messages again. Send STOP to stop.",
        "fr": "Bon retour : vous recevrez à nouveau nos messages. Envoyez STOP pour arrêter.",
        "es": "Bienvenido de nuevo: volverá a recibir nuestros mensajes. Envíe STOP para parar.",
        "ar": "مرحبًا بعودتك: ستصلك رسائلنا مجددًا. أرسل STOP للإيقاف.",
        "ht": "Byenvini ankò: w ap resevwa mesaj nou yo ankò. Voye STOP pou sispann.",
    },
}  # fmt: skip

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


def confirmation(kind: str, language: str) -> str:
    texts = CONFIRMATIONS[kind]
    return texts.get(language[:2], texts["en"])
