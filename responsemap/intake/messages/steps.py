"""What happens to stored inbound messages in the worker, a batch at a time.

``intake`` can't import ``triage`` (imports go leftwards), so apps to the right register
a processor here — explicitly, in their AppConfig — and the worker calls each in order.
"""

from __future__ import annotations

from collections.abc import Callable

from responsemap.intake.messages.models import InboundMessage

# Takes a batch of received messages (channel and contact loaded), in one transaction;
# must be idempotent: a message may come again if its batch was rolled back.
SweepStep = Callable[[list[InboundMessage]], None]
_processors: list[SweepStep] = []


def register_sweep_step(processor: SweepStep) -> None:
    if processor not in _processors:
        _processors.append(processor)


def sweep_steps() -> list[SweepStep]:
    return list(_processors)
