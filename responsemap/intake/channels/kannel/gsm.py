"""Whether a text fits the GSM 03.38 7-bit alphabet (basic table + extension table).

It decides the ``coding`` we ask Kannel for: GSM-7 gives 160 characters a part, UCS-2
only 70. Asking for 7-bit with a character outside the alphabet makes the SMSC driver
replace it with "?", so anything unsure goes out as UCS-2.
"""

from __future__ import annotations

# The basic table, minus ESC (0x1B), which only introduces the extension table.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Reached through ESC: each counts as two septets.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
GSM7 = GSM7_BASIC | GSM7_EXTENSION


def is_gsm7(text: str) -> bool:
    return all(char in GSM7 for char in text)


# Typography a translation may bring (a French "n’a", « guillemets », a dash) that has a
# plain GSM-7 twin: one curly apostrophe would send the whole text as UCS-2 (70
# characters a part instead of 160, often two parts instead of one).
_PLAIN = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u00ab": '"',
     "\u00bb": '"', "\u2013": "-", "\u2014": "-", "\u2026": "...", "\u00a0": " ",
     "\u202f": " "}
)  # fmt: skip


def plain_punctuation(text: str) -> str:
    """``text`` with typographic punctuation replaced by its plain GSM-7 twin."""
    return text.translate(_PLAIN)


def as_sent(text: str) -> str:
    """The text as it goes to the gateway: with plain punctuation if that makes it fit
    GSM-7; as written if it needs UCS-2 anyway (Arabic, emoji), where nothing is gained."""
    plain = plain_punctuation(text)
    return plain if is_gsm7(plain) else text


# The basic table in septet order (0x1B, ESC, introduces the extension table).
GSM7_TABLE = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_ESCAPED = {
    0x0A: "\f", 0x14: "^", 0x28: "{", 0x29: "}", 0x2F: "\\",
    0x3C: "[", 0x3D: "~", 0x3E: "]", 0x40: "|", 0x65: "€",
}  # fmt: skip


def decode_gsm7(data: bytes) -> str:
    """GSM 03.38 default alphabet, one septet a byte (unpacked, as a gateway hands it
    over). ``UnicodeDecodeError`` for a byte above 0x7F or an escape to nothing."""
    out = []
    escaped = False
    for position, byte in enumerate(data):
        if byte > 0x7F:
            raise UnicodeDecodeError("gsm", data, position, position + 1, "not a septet")
        if escaped:
            char = GSM7_ESCAPED.get(byte)
            if char is None:
                raise UnicodeDecodeError("gsm", data, position, position + 1, "bad escape")
            out.append(char)
            escaped = False
        elif byte == 0x1B:
            escaped = True
        else:
            out.append(GSM7_TABLE[byte])
    if escaped:
        raise UnicodeDecodeError("gsm", data, len(data) - 1, len(data), "escape at the end")
    return "".join(out)
