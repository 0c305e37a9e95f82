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
