"""Who texts a staff member the code that proves a phone is theirs.

Accounts can't import the apps that hold channels (ARCHITECTURE.md, the direction of
imports): the sender registers here at start-up (``triage.alerts``: a channel of a
project the person is a member of that sends alerts by SMS). A sender returns True if
it sent the text, False if it had no way to; the first that sends wins.
"""

from __future__ import annotations

from collections.abc import Callable

CodeSender = Callable[[int, str, str], bool]  # (user id, number in E.164, text) -> sent
_senders: list[CodeSender] = []


def register_code_sender(sender: CodeSender) -> None:
    if sender not in _senders:
        _senders.append(sender)


def send_code(user_id: int, number: str, text: str) -> bool:
    """Text ``text`` to ``number`` for ``user_id`` through the first sender that can."""
    return any(sender(user_id, number, text) for sender in _senders)
