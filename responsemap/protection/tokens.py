"""The keyed token index: word search over text that is sealed at rest.

A text is normalised (compatibility form, accents stripped, case folded), split into
words, and each word becomes its *forms*: the word lightly stemmed (a plural's final s
or x dropped, which also covers Haitian Creole and loans) and its Snowball stem in each
language the application speaks that has one (English, French, Spanish, Arabic —
``STEM_LANGUAGES``), deduplicated. Each distinct form becomes a token: the first 8 bytes
of HMAC-SHA256 under a key derived from the project's key (``ProjectKeys.token_key``,
purpose "responsemap/search-token", first key version like the blind index), as a signed
64-bit integer. The same word gives the same
token in one project and an unrelated one in another.

Without the project key a token says nothing about its word, so destroying the key
(``crypto_shred_project``) shreds the index with the values it was made from. What a
token table still shows is how many distinct words a record has and which records
share a word; the rows go with their record (docs/adr/0008-every-text-sealed.md).

Tokens are made from the redacted copy only, never the original: a search must not
find a name that redaction took out.

Why every language's stem, not the project's or the searcher's: a word's tokens must not
depend on who searches, in which interface language, nor on a project's language list
changing after its records were indexed. A text is indexed under all its words' forms;
a searched word matches a record that has ANY of that word's forms ("inondée" and
"inondation" share the French stem "inond"; the Arabic stem of "الفيضانات" is
"فيضان", which is the light form of "فيضان" itself), and every searched word must match.
The price is a few more token rows per record (most forms coincide). Existing rows are
rebuilt with ``manage.py rebuild_search_tokens``; the stemmer library is pinned
(``snowballstemmer``), as a new version could change a stem.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from functools import lru_cache

import snowballstemmer

from responsemap.protection.keyring import get_keyring

# Shorter words are too common to narrow a search and too few to hide in.
MIN_LETTERS = 2
# A search of more words than this is cut (each word is one index lookup).
MAX_SEARCH_WORDS = 8
_WORD = re.compile(r"\w+")
# The redaction placeholders ([NAME], [PHONE], …) are not words of the message.
_PLACEHOLDER = re.compile(r"\[[A-Z]+\]")


def normalise(text: str) -> str:
    """Case folded, accents and other combining marks dropped: "Écoles" → "ecoles"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _folded(text: str) -> str:
    # Case folded with its accents (the stemmers need them: "inondée" → "inond").
    return unicodedata.normalize("NFKC", text.casefold())


def _stem(word: str) -> str:
    # Plurals of French, English, Spanish and Haitian Creole loans, the cheap way:
    # "camps" → "camp", "eaux" → "eau". The same rule runs on the text and the search.
    if len(word) > 3 and word[-1] in "sx":
        return word[:-1]
    return word


# The application's languages (settings.LANGUAGES) that Snowball has a stemmer for.
STEM_LANGUAGES = ("english", "french", "spanish", "arabic")
_STEMMERS = tuple(snowballstemmer.stemmer(language) for language in STEM_LANGUAGES)


@lru_cache(maxsize=65536)
def forms(word: str) -> tuple[str, ...]:
    """The forms a case-folded ``word`` (accents kept) is indexed and searched under: its
    light stem, then its stem in each of ``STEM_LANGUAGES``, each normalised (accents
    dropped); distinct, at least MIN_LETTERS long."""
    found = [_stem(normalise(word))]
    if any(c.isdigit() for c in word):
        return tuple(found)  # a number, a code, "block7": no language's stem
    for stemmer in _STEMMERS:
        stem = normalise(stemmer.stemWord(word))
        if len(stem) >= MIN_LETTERS:
            found.append(stem)
    return tuple(dict.fromkeys(found))


def words(text: str) -> list[str]:
    """The distinct normalised word stems of ``text``, in order of first use."""
    text = _PLACEHOLDER.sub(" ", text)
    found = (_stem(w) for w in _WORD.findall(normalise(text)) if len(w) >= MIN_LETTERS)
    return list(dict.fromkeys(found))


def _token(key: bytes, word: str) -> int:
    digest = hmac.new(key, word.encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _words_raw(text: str) -> list[str]:
    text = _PLACEHOLDER.sub(" ", text)
    return [w for w in dict.fromkeys(_WORD.findall(_folded(text))) if _long_enough(w)]


@lru_cache(maxsize=65536)
def _long_enough(word: str) -> bool:
    return len(normalise(word)) >= MIN_LETTERS


def tokens_for(project_id: object, text: str) -> list[int]:
    """The tokens of every form of every distinct word of ``text``, under the project's
    token key: what a record is indexed under."""
    key = get_keyring().keys(project_id).token_key
    return list(dict.fromkeys(_token(key, f) for w in _words_raw(text) for f in forms(w)))


def search_forms(project_id: object, query: str) -> list[list[int]]:
    """Per searched word (at most ``MAX_SEARCH_WORDS``), the tokens of its forms: a
    record matches a word if it has any of them, and the search if it matches each."""
    key = get_keyring().keys(project_id).token_key
    found: list[list[int]] = []
    for word in _words_raw(query):
        tokens = [_token(key, f) for f in forms(word)]
        if tokens not in found:
            found.append(tokens)
    return found[:MAX_SEARCH_WORDS]


def search_tokens(project_id: object, query: str) -> list[int]:
    """The first token (the light form) of each searched word (at most
    ``MAX_SEARCH_WORDS``); ``search_forms`` has every form."""
    return [tokens[0] for tokens in search_forms(project_id, query)]
