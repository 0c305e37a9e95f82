"""Cards that apps to the right of triage add to a record's page.

Triage may not import them (ARCHITECTURE.md, "Apps and the direction of imports"), so
they register here at start-up (their ``AppConfig.ready``): each provider gets the
record and the viewer and returns its template and what that template shows (as ``card``), or None
when it has nothing to show. Imports adds the links between a repeat row's record and
its submission's this way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from responsemap.protection.viewer import Viewer
from responsemap.triage.models import Feedback

Card = tuple[str, dict[str, Any]]  # (template name, what it shows as ``card``)
Provider = Callable[[Feedback, Viewer], Card | None]
_providers: list[Provider] = []


def register_record_card(provider: Provider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def record_extras(record: Feedback, viewer: Viewer) -> list[Card]:
    """The cards the registered providers have for this record and viewer."""
    return [card for provider in _providers if (card := provider(record, viewer)) is not None]
