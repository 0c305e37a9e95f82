"""What happens to a stored inbound message in the worker.

``intake`` can't import ``triage`` (imports go leftwards), so apps to the right register
a processor here — explicitly, in their AppConfig — and the worker calls each in order.
"""

from __future__ import annotations

from collections.abc import Callable

from responsemap.intake.models import InboundMessage

Processor = Callable[[InboundMessage], None]
_processors: list[Processor] = []


def register_processor(processor: Processor) -> None:
    if processor not in _processors:
        _processors.append(processor)


def processors() -> list[Processor]:
    return list(_processors)
