"""The text charsets a request may declare, and the codec that reads each.

An allow-list, not "whatever Python can decode": Python also knows bytes-to-bytes codecs
(rot13, zlib, base64, hex), escapes, IDNA and Punycode (which fail with errors that are
not decoding errors) and a codec that refuses everything ("undefined"). Used to build
requests (``lib.handlers``) and by the webhooks (``intake.channels.base``).
"""

from __future__ import annotations

import codecs
import re

# As ``codecs.lookup(name).name`` gives them.
TEXT_CHARSETS = frozenset(
    {"utf-8", "ascii", "utf-16", "utf-16-be", "utf-16-le", "utf-32", "utf-32-be", "utf-32-le"}
    | {f"iso8859-{n}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 14, 15, 16)}
    | {f"cp{n}" for n in range(1250, 1259)}
    | {"koi8-r", "koi8-u", "mac-roman"}
)
# Names gateways use that Python's codecs lack. UCS-2 in SMS is big-endian; UTF-16BE
# reads it (and the surrogate pairs phones send anyway). "gsm" is the GSM 03.38 default
# alphabet, one septet a byte: only the Kannel adapter reads it.
CHARSET_ALIASES = {
    "ucs-2": "utf-16-be",
    "ucs2": "utf-16-be",
    "ucs-2be": "utf-16-be",
    "iso-10646-ucs-2": "utf-16-be",
    "gsm": "gsm",
    "gsm-7": "gsm",
    "gsm7": "gsm",
    "gsm0338": "gsm",
    "gsm-03.38": "gsm",
}
CHARSET_NAME = re.compile(r"[A-Za-z0-9._:+-]{1,40}")


def charset_codec(name: str) -> str | None:
    """The codec for a declared charset name, or None if it is not a text charset we
    accept."""
    name = name.strip().strip('"').strip()
    if not CHARSET_NAME.fullmatch(name):
        return None
    alias = CHARSET_ALIASES.get(name.lower().replace("_", "-"))
    if alias is not None:
        return alias
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    return codec if codec in TEXT_CHARSETS else None


def is_text_encoding(name: str) -> bool:
    """Whether Python can read text in ``name`` with an ordinary decoding error on bad
    input (what Django needs of a request's encoding)."""
    codec = charset_codec(name)
    return codec is not None and codec != "gsm"
