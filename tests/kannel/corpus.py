"""The messages the fake SMS centre sends: invented, tagged ``[0042]`` so each stored
text can be matched to the one sent, in the languages of the field and in every shape
an SMSC delivers.

Shapes, as fakesmsc lines (``sender receiver type data``):
- ``text``: GSM-7 and UTF-8 French/Creole, taken literally (no newline possible);
- ``ucs2``: URL-encoded UTF-16BE — Arabic, emoji, line breaks; smsbox recodes it to UTF-8;
- ``udh-data``: long messages (400–600 bytes) as concatenated parts with a concatenation
  UDH (IEI 0x00, 8-bit reference), some sent out of order; bearerbox joins them.
  fakesmsc marks every UDH message 8-bit, so the parts carry UTF-8 bytes (a real SMSC
  sends UCS-2 parts, which mo-recode turns into UTF-8 after joining);
- long ``text``: 200+ characters in one message, more than one SMS holds, which only a
  fake SMSC delivers unsplit.

fakesmsc's interactive mode reads stdin in 255-byte pieces and sends a longer line cut
in two (measured: truncated bodies, parts lost). So every line stays within
``MAX_LINE`` bytes, which is why the long messages travel in more, smaller parts than a
real SMSC would use.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

MAX_LINE = 254
RECEIVER = "50930000000"
SENDERS = [f"+5093700{n:04d}" for n in range(40)]

FRENCH = [
    "L'école du quartier est fermée depuis lundi, où peut-on inscrire les enfants ?",
    "Merci pour la distribution d'hier. Il manquait du savon à Delmas 33.",
    "Le point d'eau près de l'église est cassé, les gens font 2 km à pied.",
    "Ça fait trois semaines qu'on attend les kits d'hygiène promis.",
]
CREOLE = [
    "Dlo a koupe nan katye a depi 3 jou, timoun yo swaf.",
    "Mèsi pou manje a. Men fanmi nan blòk 4 yo pa t resevwa anyen.",
    "Kilè distribisyon an ye? Nou pa konnen kote pou nou ale.",
    "Gen yon fanm ansent ki bezwen swen ijan bò lekòl la.",
]
ARABIC = [  # short: URL-encoded UTF-16 takes 4-6 bytes a character
    "الماء مقطوع منذ 3 أيام",
    "شكرا على المساعدة",
    "متى توزيع الغذاء؟",
]
EMOJI = ["Mèsi anpil 🙏 pou èd la", "الماء 💧 مقطوع", "Tout moun an sekirite ✅"]
ARABIC_LONG = "المياه مقطوعة منذ ثلاثة أيام في حينا، الأطفال عطشى. متى توزيع الغذاء القادم؟"


@dataclass(frozen=True)
class Message:
    tag: int
    sender: str
    text: str
    lines: tuple[str, ...]  # what fakesmsc is fed, in order
    shape: str


def _url(data: bytes) -> str:
    return quote(data, safe="")


def _chunks(data: bytes, budget: int) -> list[bytes]:
    """Split ``data`` so that each piece, URL-encoded, fits in ``budget`` characters (a
    piece may end inside a UTF-8 sequence: bearerbox joins bytes)."""
    chunks, current = [], b""
    for byte in data:
        piece = bytes([byte])
        if len(_url(current + piece)) > budget:
            chunks.append(current)
            current = b""
        current += piece
    return [*chunks, current]


def _udh_parts(tag: int, sender: str, data: bytes) -> list[str]:
    header = f"{sender} {RECEIVER} udh-data {_url(bytes(6))} "
    chunks = _chunks(data, MAX_LINE - len(header))
    reference = tag % 256
    lines = []
    for seq, chunk in enumerate(chunks, start=1):
        udh = bytes([0x05, 0x00, 0x03, reference, len(chunks), seq])
        lines.append(f"{sender} {RECEIVER} udh-data {_url(udh)} {_url(chunk)}")
    if tag % 3 == 0:  # some arrive out of order, as on a real network
        lines[0], lines[-1] = lines[-1], lines[0]
    return lines


def build(count: int) -> list[Message]:
    messages = []
    for tag in range(count):
        sender = SENDERS[tag % len(SENDERS)]
        head = f"[{tag:04d}]"
        slot = tag % 20
        if slot < 11:  # 55 %: plain text, French or Creole
            pool = FRENCH if tag % 2 else CREOLE
            text = f"{head} {pool[tag % len(pool)]}"
            lines = [f"{sender} {RECEIVER} text {text}"]
            shape = "text"
        elif slot < 16:  # 25 %: UCS-2
            pool = [*ARABIC, *EMOJI, "Lapli a fè dega.\nKay nou kraze."]
            text = f"{head} {pool[tag % len(pool)]}"
            lines = [f"{sender} {RECEIVER} ucs2 {_url(text.encode('utf-16-be'))}"]
            shape = "ucs2"
        elif slot < 19:  # 15 %: long, concatenated
            body = " ".join([CREOLE[tag % 4], FRENCH[tag % 4], ARABIC_LONG, CREOLE[-1]])
            text = f"{head} {body} {FRENCH[(tag + 1) % 4][: 40 + tag % 80]}"
            lines = _udh_parts(tag, sender, text.encode())
            shape = "concatenated"
        else:  # 5 %: longer than one SMS, in one piece (the fake SMSC has no limit)
            first, second = (CREOLE[0], CREOLE[3]) if tag % 2 else (CREOLE[3], CREOLE[0])
            text = f"{head} {first} {CREOLE[2]} {second}"
            lines = [f"{sender} {RECEIVER} text {text}"]
            shape = "long text"
        assert all(len(line.encode()) <= MAX_LINE for line in lines), (tag, shape)
        messages.append(Message(tag, sender, text, tuple(lines), shape))
    return messages
