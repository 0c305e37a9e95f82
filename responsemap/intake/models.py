"""Intake's models, by concept: contacts, channels, messages (Django finds them here)."""

from __future__ import annotations

from responsemap.intake.channels.models import Channel
from responsemap.intake.contacts.models import (
    ConsentNotice,
    ConsentRecord,
    Contact,
    IdPatternTimeout,
    IntakePolicy,
)
from responsemap.intake.messages.models import InboundMessage, OutboundMessage

__all__ = [
    "Channel",
    "ConsentNotice",
    "ConsentRecord",
    "Contact",
    "IdPatternTimeout",
    "InboundMessage",
    "IntakePolicy",
    "OutboundMessage",
]
