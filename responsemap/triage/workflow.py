"""The workflow of a feedback record, as data: which status may follow which.

new → triaged → assigned → in progress → referred → answered (responded) → closed, and a
closed record reopened goes back to in progress. A triaged or assigned record may also be
referred or answered at once (a question answered on the spot, a case referred straight
to the partner who handles it): steps forward may be skipped, never steps back.
``triage.actions.do_change_status`` is the one way a status changes; it refuses any move
not in ``MOVES``.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from responsemap.triage.choices import Status

S = Status
MOVES: dict[str, tuple[str, ...]] = {
    S.NEW: (S.TRIAGED, S.ASSIGNED, S.CLOSED),
    S.TRIAGED: (S.ASSIGNED, S.IN_PROGRESS, S.REFERRED, S.ANSWERED, S.CLOSED),
    S.ASSIGNED: (S.IN_PROGRESS, S.REFERRED, S.ANSWERED, S.TRIAGED, S.CLOSED),
    S.IN_PROGRESS: (S.REFERRED, S.ANSWERED, S.CLOSED),
    S.REFERRED: (S.IN_PROGRESS, S.ANSWERED, S.CLOSED),
    S.ANSWERED: (S.CLOSED, S.IN_PROGRESS),
    S.CLOSED: (S.IN_PROGRESS,),  # reopen
}

# What a move is called on the record page, where that says more than the status's name.
MOVE_LABELS: dict[tuple[str, str], str | Promise] = {
    (S.CLOSED, S.IN_PROGRESS): _("Reopen (back to in progress)"),
}


def allowed_moves(status: str) -> tuple[str, ...]:
    return MOVES.get(status, ())


def move_label(from_status: str, to_status: str) -> str:
    label = MOVE_LABELS.get((from_status, to_status))
    return str(label if label is not None else Status(to_status).label)


def move_choices(status: str) -> list[tuple[str, str]]:
    """The moves from ``status``, in words, for a form."""
    return [(to, move_label(status, to)) for to in allowed_moves(status)]
