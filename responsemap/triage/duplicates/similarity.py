"""Keyed MinHash signatures: how similar two texts are, from their keyed word tokens.

A text's distinct word stems become keyed tokens (``protection.tokens.tokens_for``,
HMAC under the project's key); each of ``K`` fixed permutations ``(a·t + b) mod P``
keeps its smallest value. Two texts' signatures agree at a position with probability
equal to the Jaccard similarity of their word sets, so the share of equal positions
estimates it. The signature is split into ``BANDS`` bands of ``ROWS``; each band is
hashed to a 64-bit key, and texts sharing any band key are candidates (at a similarity
of 0.5 a pair shares a band 90 % of the time; at 0.2, 28 %), compared in full.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from functools import lru_cache

from responsemap.protection.tokens import tokens_for

K = 16
BANDS = 8
ROWS = K // BANDS
_P = (1 << 61) - 1
# Public constants: the secret is in the tokens (keyed), not the permutations.
_rng = random.Random(20261130)  # noqa: S311 - not for secrecy
_PERMUTATIONS = [(_rng.randrange(1, _P), _rng.randrange(0, _P)) for _ in range(K)]


def signature(project_id: object, text: str) -> bytes:
    """The text's signature, ``K`` × 8 bytes; empty for a text with no word."""
    return signature_of_tokens(tokens_for(project_id, text))


def signature_of_tokens(tokens: Sequence[int]) -> bytes:
    """The signature of a text whose keyed tokens (``tokens_for``) are known already: a
    record born with its redacted copy, which is often the text itself, has them."""
    if not tokens:
        return b""
    reduced = [t % _P for t in tokens]
    return b"".join(
        min([(a * t + b) % _P for t in reduced]).to_bytes(8, "big") for a, b in _PERMUTATIONS
    )


def band_keys(sig: bytes) -> list[int]:
    """The signature's band keys (signed 64-bit, for a BigIntegerField)."""
    if not sig:
        return []
    return list(_band_keys(bytes(sig)))


# The birth-time lookup reads the same latest records' signatures batch after batch.
@lru_cache(maxsize=8192)
def _band_keys(sig: bytes) -> tuple[int, ...]:
    width = ROWS * 8
    return tuple(
        int.from_bytes(
            hashlib.sha256(bytes([band]) + sig[band * width : (band + 1) * width]).digest()[:8],
            "big",
            signed=True,
        )
        for band in range(BANDS)
    )


def similarity(one: bytes | memoryview, other: bytes | memoryview) -> float:
    """The estimated share of words two texts have in common, 0–1 (0 if either has none)."""
    a, b = bytes(one), bytes(other)
    if not a or not b or len(a) != len(b):
        return 0.0
    same = sum(a[i : i + 8] == b[i : i + 8] for i in range(0, len(a), 8))
    return same / K


def signatures(project_ids: Sequence[object], texts: Sequence[str]) -> list[bytes]:
    return [signature(p, t) for p, t in zip(project_ids, texts, strict=True)]
