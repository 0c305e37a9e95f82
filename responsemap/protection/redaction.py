"""Offline redaction of personal details in free text.

Names, phone numbers, e-mail addresses and ID numbers become ``[NAME]``, ``[PHONE]``,
``[EMAIL]`` and ``[ID]``. Deterministic and offline: no model, no download. Recognizers:

* E-mail: one regex.
* ID numbers: the project's patterns (``RedactionPolicy.id_patterns``), word-bounded,
  plus a cue rule ("ID", "NIN", "carte", "cédula", "رقم الهوية"... then a token with digits).
* Phones: ``phonenumbers.PhoneNumberMatcher`` at POSSIBLE leniency for the project's
  country (field SMS carry well-formed numbers outside the operators' current ranges),
  filtered against dates and money, plus a fallback for runs of 8-15 digits it misses.
* Names: cue phrases in English, French, Spanish and Arabic ("my name is", "je m'appelle",
  "me llamo", "اسمي", titles, relatives, "asked by"...), capitalised runs checked against a
  gazetteer of given names and surnames, runs right before a phone or e-mail, sign-offs,
  and Latin-script names inside Arabic text. Arabic-script names only after cue words.

When an ID pattern and a phone match the same digits, the nearest cue before them decides
("number", "call", "رقمي" -> phone; "ID", "carte", "الهوية" -> ID; a number listed right
after a phone or an e-mail is a phone; "... is my NIN" after it -> ID). With no cue the ID
pattern wins, except for a number in national format with the trunk prefix that the
numbering plan calls a valid mobile (a Nigerian "0803..." is a phone). An ID pattern that
matches only part of a longer number does not split it.

The gazetteer comes from the person-name lists the ``faker`` package ships (MIT, ~2 MB,
pure Python): ~54,000 distinct given names and surnames from ~80 locales, Kenyan, Nigerian,
Ghanaian, Swahili, Arabic, French, Spanish and (transliterated) Ukrainian ones among them. Not used:
``names-dataset`` (large, and derived from leaked personal data) and Presidio (its analyzer
needs spaCy and a downloaded model; the pattern recognizers it would add are a few regexes).

Library code never logs or prints message text.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

import phonenumbers
from phonenumbers import Leniency, PhoneNumberMatcher, PhoneNumberType

__all__ = ["PLACEHOLDERS", "RedactionPolicy", "Span", "find_pii", "redact"]

PLACEHOLDERS = {"PERSON": "[NAME]", "PHONE": "[PHONE]", "EMAIL": "[EMAIL]", "ID_NUMBER": "[ID]"}


@dataclass(frozen=True, order=True)
class Span:
    start: int
    end: int
    kind: str


@dataclass(frozen=True)
class RedactionPolicy:
    """What a project knows about its messages.

    ``country`` is the numbering plan for phones written without a country code;
    ``id_patterns`` are regexes of the project's ID numbers. ``languages`` is recorded for
    callers and future recognizers: every cue list is always active, since field messages
    mix languages.
    """

    country: str
    languages: tuple[str, ...] = ()
    id_patterns: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Za-z]{2}", self.country or ""):
            raise ValueError("country must be an ISO 3166-1 alpha-2 code")
        object.__setattr__(self, "country", self.country.upper())
        object.__setattr__(self, "languages", tuple(self.languages))
        object.__setattr__(self, "id_patterns", tuple(self.id_patterns))
        _compile_ids(self.id_patterns)  # raises ValueError on a bad pattern


# --------------------------------------------------------------------------- words
def _key(word: str) -> str:
    """Lookup key: case-folded, without accents, Arabic letter variants folded."""
    decomposed = unicodedata.normalize("NFKD", word.replace("’", "'"))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = stripped.replace("\u0640", "").replace("ة", "ه")
    return unicodedata.normalize("NFC", stripped).casefold()


def _script(word: str) -> str:
    for ch in word:
        if ch.isalpha():
            return "arabic" if "\u0600" <= ch <= "\u06ff" else "latin"
    return "other"


def _words(text: str) -> frozenset[str]:
    return frozenset(_key(w) for w in text.split())


# Ordinary words that are often capitalised (sentence starts, days, months, places of
# work, agencies, nationalities). A capitalised token in this set is never a name.
COMMON = _words("""
a an the and or but nor if then so of to in on at by for with from into onto about as is are was
were be been being am i i'm im me my mine we we're us our ours you your yours he him his she her
hers they them their it its this that these those there here what which who whom whose when where
why how all any some no not yes please pls plz thank thanks thx hello hi hey dear good morning
afternoon evening night day sir madam help need needs can could will would shall should might must
do does did have has had get got give send call contact number phone since until after before
during today tomorrow yesterday tonight week weeks month months year years ago still also very more
most much many few one two three four five six seven eight nine ten first second last next new old
other same such only just now again never always ok okay sorry urgent important regards best kind
greetings attention note update info le la les un une des du de d l au aux et ou mais donc ni car
je j tu il elle nous vous ils elles te t se s lui leur leurs mon ma mes ton ta tes son sa ses notre
nos votre vos ce cet cette ces qui que quoi dont où quand comment pourquoi est sont suis était
avons avez ont pas ne plus bien très merci bonjour bonsoir salut svp aide besoin depuis pendant
avec sans pour par sur sous dans chez entre vers ici là oui non aussi encore toujours jamais déjà
après avant aujourd'hui demain hier semaine mois année jour jours nom numéro cordialement el los
las unos unas y o pero si sí del al en con sin por para sobre hasta desde hacia yo tú usted ustedes
él ella nosotros nosotras ellos ellas mi mis tus su sus nuestro nuestra nuestros nuestras lo qué
quien quién cuando cuándo donde dónde como cómo porque es soy somos está están estamos hay fue
buenos buenas días tardes noches hola gracias favor ayuda necesitamos necesito aquí allí también
todavía ya nunca siempre hoy mañana ayer semanas año nombre saludos atentamente monday tuesday
wednesday thursday friday saturday sunday lundi mardi mercredi jeudi vendredi samedi dimanche lunes
martes miércoles jueves viernes sábado domingo january february march april may june july august
september october november december janvier février mars avril mai juin juillet août septembre
octobre novembre décembre enero febrero marzo abril mayo junio julio agosto septiembre octubre
noviembre diciembre camp camps block zone sector village town city district county province region
state country community committee council office center centre centro clinic hospital school church
mosque market water food rice flour oil shelter tent tents kit kits cash transfer voucher card
distribution aid assistance relief health medical doctor nurse police army government ministry red
cross crescent croix rouge cruz roja media luna vision save children unicef unhcr wfp iom ngo
united nations program programme project team staff volunteer agency refugee refugees displaced
mission international national local god dieu dios allah jesus christ lord covid cholera ebola
malaria road street avenue river lake mount north south east west central upper lower saint sms
whatsapp facebook gmail yahoo hotmail outlook email mail id tel tél telephone téléphone mobile cell
cel celular número numero contacto courriel correo madame monsieur mademoiselle mme mlle mr mrs ms
miss dr señor señora señorita sr sra srta doña mama mzee bwana pastor chief sheikh appelez appeler
contactez écrivez écrire llame llamen llamar escriban escriba escríbame write text kindly kenya
kenyan nigeria nigerian haiti haitian haïti colombia colombian lebanon lebanese liban líbano
ukraine ukrainian sudan sudanese syria syrian somalia somali ethiopia ethiopian uganda ugandan
venezuela venezuelan africa african arab arabic english french spanish swahili kiswahili creole
kreyòl français español inglés america american europe european danish norwegian swedish swiss
british german italian dutch irish canadian chinese turkish russian polish finnish foundation fund
hall villa barrio vereda quartier commune estate settlement colonia calle rue carrera avenida
oblast mwen nou li pa gen nan ak pou mèsi bonjou bonswa tanpri manje dlo depi asante sana habari
jambo karibu tafadhali shukran marhaba salam inshallah amen seigneur bondye world
""")

# Lower-case particles that may sit inside a name ("Maria de la Cruz", "Ali bin Omar").
PARTICLES = _words("de del de la los da das do dos di du van von der den bin ben ibn bint al el")
# A name run right after one of these is more likely a place ("in Kakuma").
PLACE_WORDS = _words(
    "in at near around à dans près vers en cerca hacia desde de du del des village camp barrio"
    " vereda quartier commune estate settlement colonia calle rue carrera avenida"
)
# ... and a run right before one of these names a place or an organisation.
PLACE_AFTER = _words(
    "street st road rd avenue ave camp settlement school hospital clinic church mosque market"
    " village town city district county state oblast region foundation fund centre center"
    " council office project rue calle carrera avenida escuela colegio école église hôpital"
)
ARABIC_STOP = _words("""
من في على إلى الى عن مع لم لن لا ما هذا هذه ذلك تلك هو هي هم نحن أنا انا أنت انت كان كانت قد ثم أو
او لكن بعد قبل منذ حتى عند كل بعض شكرا مرحبا السلام عليكم الرجاء رجاء نحتاج نريد يوجد ليس لدي عندي
رقم رقمي هاتف الهوية أيضا ايضا جدا فقط يا مريض مريضة
""")
ARABIC_PARTICLES = _words("عبد أبو ابو أم ام بن ابن بنت آل ال")


def _alts(phrases: Iterable[str]) -> str:
    """A regex alternation of phrases, longest first, spaces and apostrophes loose."""
    ordered = sorted(set(phrases), key=len, reverse=True)
    parts = [re.escape(p).replace(r"\ ", r"\s+").replace("'", "['’]") for p in ordered]
    return "|".join(parts)


def _phrases(text: str) -> list[str]:
    return [" ".join(p.split()) for p in text.split(",") if p.strip()]


# Cues after which the next word is taken as a name even in lower case.
STRONG_CUES = _phrases("""
my name is, my names are, my name's, name is, names are, name:, names:, i am called, i'm called,
named, called, signed, je m'appelle, j'm'appelle, mon nom est, mon nom c'est, moi c'est, je me
nomme, nom:, nommé, nommée, appelé, appelée, signé, me llamo, mi nombre es, nombre:, llamado,
llamada, firmado, firma, اسمي, إسمي, واسمي, اسمه, اسمها, الاسم, المدعو, المدعوة, معك, معكم
""")
# Cues after which a capitalised word is a name.
PERSON_CUES = _phrases("""
thanks, thank you, merci, gracias, regards, cordialement, atentamente, saludos, chez, i am, i'm,
this is, it is, it's, here is, je suis, c'est, soy, habla, asked by, sent by, written by, reported
by, posted by, from your, envoyé par, envoyée par, de la part de, signalé par, enviado por, enviada
por, de parte de, by, call, phone, contact, ask for, ask, talk to, speak to, appelez, appeler,
contactez, demandez, llamar a, llame a, llamen a, contactar a, hablar con, pregunte por, preguntar
por, hello, hi, dear, bonjour, salut, cher, chère, hola, querido, querida, estimado, estimada, mr,
mr., mrs, mrs., ms, ms., miss, dr, dr., mme, mme., mlle, m., monsieur, madame, mademoiselle, sr,
sr., sra, sra., srta, señor, señora, señorita, don, doña, mama, mzee, bwana, pastor, chief, sheikh,
cheikh, haji, hajji, hajia, neighbour, neighbor, son, daughter, wife, husband, mother, father,
brother, sister, child, uncle, aunt, friend, cousin, grandmother, grandfather, mum, mom, dad,
voisin, voisine, fils, fille, femme, mari, mère, père, frère, sœur, soeur, enfant, ami, amie,
cousine, tante, oncle, vecino, vecina, hijo, hija, esposa, esposo, madre, padre, hermano, hermana,
amigo, amiga, tío, tía, abuela, abuelo, السيد, السيدة, الأخ, الاخ, الأخت, الاخت, الحاج, الحاجة,
الشيخ, الأستاذ, الاستاذ, الدكتور
""")
# Arabic words after which a following Arabic word is a name only if the gazetteer knows it.
ARABIC_WEAK_CUES = _phrases("""
أنا, انا, جاري, جارتي, جارنا, ابني, ابنتي, بنتي, زوجي, زوجتي, أمي, امي, أبي, ابي, أخي, اخي, أختي,
اختي, أخوكم, أختكم
""")
AFTER_CUES = _phrases(
    "here, speaking, writing, says, said, reports, reported, asks, asked, ici, signale, dit,"
    " demande, aquí, hablando, dice, informa, pregunta"
)
ID_CUES = _phrases("""
id number, id no, id no., id card, id, identity card, identity number, national id, national id
number, nin, registration number, registration no, ration card, ration card number, passport,
passport number, carte d'identité, numéro de carte, numéro d'identité, carte, cin, nif, cédula,
cedula, número de cédula, numero de cedula, documento, documento de identidad, dni, passeport,
pasaporte, رقم الهوية, الهوية, بطاقة الهوية, رقم البطاقة, البطاقة, جواز السفر, رقم الجواز, الرقم
الوطني, رقم وطني
""")
PHONE_CUES = _phrases("""
phone number, phone, mobile, cell, tel, tel., telephone, number, num, no., call, calling, ring,
reach, contact, contacts, whatsapp, sms, text, numéro, numero, téléphone, portable, appelez,
appeler, appelle, joindre, contactez, número, teléfono, celular, cel, llamar, llame, llámame,
llamen, contacto, contactar, رقمي, رقم هاتفي, هاتفي, هاتف, جوال, موبايل, اتصل, اتصلوا, واتساب, رقم
""")

_B, _E = r"(?<![\w])", r"(?![\w])"
CUE_RE = re.compile(
    rf"{_B}(?:(?P<strong>{_alts(STRONG_CUES)})|(?P<person>{_alts(PERSON_CUES)})"
    rf"|(?P<weak>{_alts(ARABIC_WEAK_CUES)}))(?:{_E}|(?<=[.:]))",
    re.IGNORECASE,
)
CUE_GAP = re.compile(r"[\s,:;\"“”'«»(\-–—]*")
AFTER_RE = re.compile(rf"[\s,]+(?:{_alts(AFTER_CUES)}){_E}", re.IGNORECASE)
CONTEXT_RE = re.compile(
    rf"{_B}(?:(?P<id>{_alts(ID_CUES)})|(?P<phone>{_alts(PHONE_CUES)}))(?:{_E}|(?<=\.))",
    re.IGNORECASE,
)
ID_CUE_RE = re.compile(
    rf"{_B}(?:{_alts(ID_CUES)}){_E}"
    r"(?:[\s:#=\-]|\b(?:is|es|est|was|no|n[°º]|number|num[ée]ro|número)\b\.?)*"
    r"(?P<tok>[^\W_](?:[^\W_]|[./\-](?=[^\W_]))*)",
    re.IGNORECASE,
)
TRAIL_ID_RE = re.compile(
    r"\s*(?:is|est|es|c'est)?\s*(?:my|our|his|her|mon|ma|son|sa|mi|su)?\s*"
    rf"(?:{_alts(ID_CUES)}){_E}",
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
CONTACT_GAP_RE = re.compile(
    r"[\s,:;\-–(]*(?:(?:tel|tél|phone|cel|mob|on|au|al|sur|at|email|e-mail|:)\.?[\s:]*)?",
    re.IGNORECASE,
)
TOKEN_RE = re.compile(
    r"[^\W\d_](?:[^\W\d_]|[\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670]|['’\-](?=[^\W\d_]))*"
)
SPACE_RE = re.compile(r"\s*")
SENTENCE_END = ".!?…:;\n¡¿"
SIGNOFF_BEFORE = ",.!?-–—\n:"


# ---------------------------------------------------------------------- gazetteer
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


def _faker_name_lists() -> Iterable[tuple[bool, str]]:
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
def _gazetteer() -> tuple[frozenset[str], frozenset[str]]:
    """(given names, surnames) as lookup keys, minus ordinary words and particles."""
    given: set[str] = set()
    family: set[str] = set()
    for is_given, name in _faker_name_lists():
        for part in name.split():
            keys = {_key(part), *(_key(p) for p in part.split("-") if len(p) > 1)}
            (given if is_given else family).update(k for k in keys if len(k) > 1)
    noise = COMMON | PARTICLES | ARABIC_STOP
    return frozenset(given - noise), frozenset(family - noise)


def _known(key: str) -> bool:
    given, family = _gazetteer()
    if key in given or key in family:
        return True
    parts = [p for p in key.split("-") if p]
    return len(parts) > 1 and all(p in given or p in family for p in parts)


# -------------------------------------------------------------------------- rules
@cache
def _compile_ids(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    compiled = []
    for pattern in patterns:
        try:
            re.compile(pattern)
            compiled.append(re.compile(rf"(?<!\w)(?<!\d[-.])(?:{pattern})(?!\w)(?![-.]\d)"))
        except re.error as exc:
            raise ValueError(f"invalid ID pattern {pattern!r}: {exc}") from exc
    return tuple(compiled)


def _overlaps(a: Span, spans: Iterable[Span]) -> bool:
    return any(a.start < b.end and b.start < a.end for b in spans)


def _digit_count(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def _emails(text: str) -> list[Span]:
    return [Span(m.start(), m.end(), "EMAIL") for m in EMAIL_RE.finditer(text)]


def _ids(text: str, policy: RedactionPolicy, taken: list[Span]) -> list[Span]:
    found = [
        Span(m.start(), m.end(), "ID_NUMBER")
        for regex in _compile_ids(policy.id_patterns)
        for m in regex.finditer(text)
        if m.end() > m.start()
    ]
    for m in CODE_RE.finditer(text):  # letters then digits: passports, case numbers
        found.append(Span(m.start(), m.end(), "ID_NUMBER"))
    for m in ID_CUE_RE.finditer(text):
        token = m.group("tok")
        digits = _digit_count(token)
        if digits >= 5 or (digits >= 4 and any(c.isalpha() for c in token)):
            found.append(Span(m.start("tok"), m.end("tok"), "ID_NUMBER"))
    return _merge([s for s in found if not _overlaps(s, taken)])


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
        if not _overlaps(span, found) and _plausible_phone(text, start, end, False):
            found.append(span)
    return _merge([s for s in found if not _overlaps(s, taken)])


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


def _merge(spans: list[Span]) -> list[Span]:
    """Sort, and fuse overlapping spans of the same kind; earlier-listed kinds win."""
    out: list[Span] = []
    for span in sorted(spans):
        if out and span.start < out[-1].end:
            prev = out[-1]
            if span.kind == prev.kind:
                out[-1] = Span(prev.start, max(prev.end, span.end), prev.kind)
            continue
        out.append(span)
    return out


# -------------------------------------------------------------------------- names
@dataclass(frozen=True)
class _Tok:
    start: int
    end: int
    text: str
    key: str
    script: str


def _tokens(text: str, taken: list[Span]) -> list[_Tok]:
    """Word tokens outside the ``taken`` spans (which are sorted and disjoint)."""
    out = []
    k = 0
    for m in TOKEN_RE.finditer(text):
        while k < len(taken) and taken[k].end <= m.start():
            k += 1
        if k == len(taken) or taken[k].start >= m.end():
            key = _key(m.group())
            key = key[:-2] if key.endswith("'s") else key  # possessive: "Aisha's"
            out.append(_Tok(m.start(), m.end(), m.group(), key, _script(m.group())))
    return out


def _sentence_start(text: str, pos: int) -> bool:
    while pos and text[pos - 1] in " \t\"'“”«»(":
        pos -= 1
    return not pos or text[pos - 1] in SENTENCE_END


class _NameFinder:
    """Finds person names in one text; other PII spans are already known."""

    def __init__(self, text: str, taken: list[Span]) -> None:
        self.text = text
        self.taken = taken
        self.toks = _tokens(text, taken)
        self.at = {t.start: i for i, t in enumerate(self.toks)}
        self.lower = not any(c.isupper() for c in text)
        letters = [_script(c) for c in text if c.isalpha()]
        self.arabic = letters.count("arabic") > letters.count("latin")

    def name_like(self, tok: _Tok) -> bool:
        if tok.script != "latin" or len(tok.key) < 2 or tok.key in COMMON:
            return False
        if tok.key.split("-")[0] in COMMON and not _known(tok.key):  # "Appelez-moi"
            return False
        if tok.text[0].isupper() and not tok.text.isupper():
            return True
        return (tok.text.isupper() or self.lower) and _known(tok.key)

    def joined(self, left: _Tok, right: _Tok) -> bool:
        gap = self.text[left.end : right.start]
        return bool(gap) and gap.isspace() and "\n" not in gap

    def extend(self, i: int, accept: Callable[[_Tok], bool]) -> int:
        """Index past the last token of the run starting at ``i`` (``accept`` tests)."""
        j = i + 1
        toks = self.toks
        while j < len(toks) and j - i < 4 and self.joined(toks[j - 1], toks[j]):
            if accept(toks[j]):
                j += 1
            elif (
                self.bridge(toks[j])
                and j + 1 < len(toks)
                and self.joined(toks[j], toks[j + 1])
                and accept(toks[j + 1])
            ):
                j += 2
            else:
                break
        return j

    @staticmethod
    def bridge(tok: _Tok) -> bool:
        """May ``tok`` sit between two name words ("de", "bin"; any Arabic non-stopword)?"""
        if tok.script == "arabic":
            return tok.key not in ARABIC_STOP
        return tok.key in PARTICLES

    def span(self, i: int, j: int) -> Span:
        return Span(self.toks[i].start, self.toks[j - 1].end, "PERSON")

    def after_cues(self) -> list[Span]:
        found = []
        for m in CUE_RE.finditer(self.text):
            pos = CUE_GAP.match(self.text, m.end())
            i = self.at.get(pos.end() if pos else m.end())
            if i is None:
                continue
            first = self.toks[i]
            strong = bool(m.group("strong"))
            weak = bool(m.group("weak"))
            if first.script == "arabic":
                ok = first.key not in ARABIC_STOP and (not weak or _known(first.key))
                j = self.extend(i, lambda t: t.script == "arabic" and _known(t.key))
            elif strong and not self.name_like(first):
                ok = first.key not in COMMON and first.script == "latin"
                j = self.extend(
                    i, lambda t: self.name_like(t) or (_known(t.key) and t.key not in COMMON)
                )
            else:
                ok = self.name_like(first) and (not weak or _known(first.key))
                j = self.extend(i, self.name_like)
            if ok:
                found.append(self.span(i, j))
        return found

    def runs(self) -> list[Span]:
        found = []
        toks, text = self.toks, self.text
        given, _family = _gazetteer()
        i = 0
        while i < len(toks):
            if not self.name_like(toks[i]):
                i += 1
                continue
            j = self.extend(i, self.name_like)
            run = toks[i:j]
            span = self.span(i, j)
            prev = toks[i - 1] if i and self.joined(toks[i - 1], toks[i]) else None
            nxt = toks[j] if j < len(toks) and self.joined(toks[j - 1], toks[j]) else None
            place = (prev is not None and prev.key in PLACE_WORDS) or (
                nxt is not None and nxt.key in PLACE_AFTER
            )
            known = [t for t in run if _known(t.key)]
            if self.lower:  # an all-lower-case message: only whole runs of known names
                if len(known) == len(run) and (
                    len(run) >= 2
                    or self.before_contact(span.end)
                    or AFTER_RE.match(text, span.end)
                    or self.signoff(span)
                ):
                    found.append(span)
            elif (
                (
                    self.before_contact(span.end)
                    and (known or len(run) > 1 or not _sentence_start(text, span.start))
                )
                or AFTER_RE.match(text, span.end)
                or (self.signoff(span) and len(run) <= 3)
                or (self.arabic and len(run) <= 3 and not place)
                or (
                    known
                    and not place
                    and (
                        len(run) >= 2
                        or not _sentence_start(text, span.start)
                        or run[0].key in given
                    )
                )
            ):
                found.append(span)
            i = j
        return found

    def before_contact(self, end: int) -> bool:
        nxt = [s for s in self.taken if s.start >= end and s.kind in ("PHONE", "EMAIL")]
        if not nxt:
            return False
        first = min(nxt)
        return bool(CONTACT_GAP_RE.fullmatch(self.text[end : first.start]))

    def signoff(self, span: Span) -> bool:
        if not re.fullmatch(r"[\s.!?,;:)]*", self.text[span.end :]):
            return False
        before = self.text[: span.start].rstrip()
        return bool(before) and before[-1] in SIGNOFF_BEFORE


# ------------------------------------------------------------------------- public
def find_pii(text: str, policy: RedactionPolicy) -> list[Span]:
    """Sorted, non-overlapping spans of personal details in ``text``."""
    if not text:
        return []
    emails = _emails(text)
    ids = _ids(text, policy, emails)
    phones = _phones(text, policy.country, emails)
    numbers = _resolve(text, policy.country, ids, phones, emails)
    taken = sorted(emails + numbers)
    finder = _NameFinder(text, taken)
    names = _merge(finder.after_cues() + finder.runs())
    names = _merge(names + _repeats(text, names, taken))
    return _merge(taken + [n for n in names if not _overlaps(n, taken)])


def _repeats(text: str, names: list[Span], taken: list[Span]) -> list[Span]:
    """Other mentions of a found name, whole or by its capitalised words ("Grace" again)."""
    wanted = {text[n.start : n.end] for n in names}
    for name in list(wanted):
        wanted.update(
            w for w in name.split() if len(w) > 2 and w[0].isupper() and _key(w) not in COMMON
        )
    found = []
    for word in wanted:
        for m in re.finditer(rf"(?<!\w){re.escape(word)}(?!\w)", text):
            span = Span(m.start(), m.end(), "PERSON")
            if not _overlaps(span, taken):
                found.append(span)
    return found


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
