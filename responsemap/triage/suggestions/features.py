"""Hashed n-gram counts of normalised texts: the suggestion model's features.

Character n-grams of 2–5 within each word (the word padded with a space each side,
so beginnings and ends count) and word unigrams and bigrams, each hashed with CRC-32
into ``N_FEATURES`` columns of one sparse matrix (characters and words share the space:
a collision costs little). No vocabulary is kept, so a model holds no fragment of the
text it learnt from, only weights.

Every run of digits (any script's: 14, ١٤) counts as one "0" (``fold_digits``): block
14 and block 3, 12 March and 9 August, 5000 goud and 450 mil are the same n-grams, so
the model can't learn that a particular number means a type, a sector or "urgent"
(it did: "du bloc N" had become a sign of urgency), only that a number is there.

Written here rather than taken from scikit-learn's ``HashingVectorizer`` so that a
process that only *uses* a model needs NumPy and SciPy's sparse matrices alone:
importing scikit-learn pulls in ``scipy.stats`` and costs every web and worker process
~75 MB and seconds at start-up; it is loaded only to train (``model._fit``).
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
import scipy.sparse as sp

N_FEATURES = 2**18
CHAR_SIZES = range(2, 6)
_WORD = re.compile(r"\b\w+\b")
_DIGITS = re.compile(r"\d+")


def fold_digits(text: str) -> str:
    """``text`` with each run of digits (``\\d``: every script's) replaced by "0"."""
    return _DIGITS.sub("0", text)


def char_ngrams(text: str) -> Iterable[str]:
    """Every character n-gram of sizes 2–5 inside each space-separated word, padded; a
    padded word shorter than n counts once, whole."""
    for word in text.split():
        padded = f" {word} "
        length = len(padded)
        for n in CHAR_SIZES:
            if length <= n:
                yield padded
                break
            for start in range(length - n + 1):
                yield padded[start : start + n]


def word_ngrams(text: str) -> Iterable[str]:
    """The words of ``text`` and each pair of neighbours."""
    words = _WORD.findall(text)
    yield from words
    for first, second in zip(words, words[1:], strict=False):
        yield f"{first} {second}"


# CRC-32 started from a different value for characters and words keeps the two apart.
CHARS, WORDS = zlib.crc32(b"chars"), zlib.crc32(b"words")


def hashed(grams: Iterable[str], start: int) -> Counter[int]:
    """Column → count of ``grams``, hashed from ``start`` (``CHARS`` or ``WORDS``)."""
    return Counter(zlib.crc32(gram.encode(), start) % N_FEATURES for gram in grams)


def counts(char_texts: Sequence[str], word_texts: Sequence[str]) -> sp.csr_matrix:
    """One row per text: its character n-grams (from ``char_texts``) and word n-grams
    (from ``word_texts``, the same texts with cue and concept words added), digits
    folded (``fold_digits``)."""
    indptr = [0]
    indices: list[int] = []
    data: list[float] = []
    for chars, words in zip(char_texts, word_texts, strict=True):
        row = hashed(char_ngrams(fold_digits(chars)), CHARS)
        row.update(hashed(word_ngrams(fold_digits(words)), WORDS))
        indices.extend(row)
        data.extend(row.values())
        indptr.append(len(indices))
    return sp.csr_matrix(
        (np.array(data, dtype=np.float32), np.array(indices, dtype=np.int32), indptr),
        shape=(len(indptr) - 1, N_FEATURES),
    )


def unit_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """Each row scaled to unit (L2) length; an empty row stays empty."""
    squares = np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel()
    norms = np.sqrt(squares, dtype=np.float64)
    norms[norms == 0] = 1.0
    scaled = sp.csr_matrix(matrix, dtype=np.float32, copy=True)
    scaled.data = (scaled.data / np.repeat(norms, np.diff(scaled.indptr))).astype(np.float32)
    return scaled
