"""The keyed token index: word search over text that is sealed at rest.

A text is normalised (compatibility form, accents stripped, case folded), split into
words, each word lightly stemmed (a plural's final s or x dropped), and each distinct
word becomes a token: the first 8 bytes of HMAC-SHA256 under a key derived from the
project's key (``ProjectKeys.token_key``, purpose "responsemap/search-token", first key
version like the blind index), as a signed 64-bit integer. The same word gives the same
token in one project and an unrelated one in another.

Without the project key a token says nothing about its word, so destroying the key
(``crypto_shred_project``) shreds the index with the values it was made from. What a
token table still shows is how many distinct words a record has and which records
share a word; the rows go with their record (docs/adr/0008-every-text-sealed.md).

Tokens are made from the redacted copy only, never the original: a search must not
find a name that redaction took out.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

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


def _stem(word: str) -> str:
    # Plurals of French, English, Spanish and Haitian Creole loans, the cheap way:
    # "camps" → "camp", "eaux" → "eau". The same rule runs on the text and the search.
    if len(word) > 3 and word[-1] in "sx":
        return word[:-1]
    return word


def words(text: str) -> list[str]:
    """The distinct normalised word stems of ``text``, in order of first use."""
    text = _PLACEHOLDER.sub(" ", text)
    found = (_stem(w) for w in _WORD.findall(normalise(text)) if len(w) >= MIN_LETTERS)
    return list(dict.fromkeys(found))


def _token(key: bytes, word: str) -> int:
    digest = hmac.new(key, word.encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def tokens_for(project_id: object, text: str) -> list[int]:
    """The tokens of every distinct word of ``text``, under the project's token key."""
    key = get_keyring().keys(project_id).token_key
    return list(dict.fromkeys(_token(key, w) for w in words(text)))


def search_tokens(project_id: object, query: str) -> list[int]:
    """The tokens a search for ``query`` must all find (at most ``MAX_SEARCH_WORDS``)."""
    return tokens_for(project_id, query)[:MAX_SEARCH_WORDS]
