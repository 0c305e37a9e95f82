"""State changes of duplicates, rumour groups and spam (ARCHITECTURE.md, chokepoint 3):
``birth`` runs inside the birth of records, ``links`` and ``spam`` are a person's."""

from __future__ import annotations

from responsemap.triage.duplicates.actions.birth import do_link_at_birth
from responsemap.triage.duplicates.actions.links import (
    DuplicateRefused,
    do_add_to_group,
    do_link_duplicate,
    do_merge,
    do_remove_from_group,
    do_unlink,
)
from responsemap.triage.duplicates.actions.spam import (
    do_block_sender,
    do_mark_spam,
    do_unblock_sender,
    do_unmark_spam,
)

__all__ = [
    "DuplicateRefused",
    "do_add_to_group",
    "do_block_sender",
    "do_link_at_birth",
    "do_link_duplicate",
    "do_mark_spam",
    "do_merge",
    "do_remove_from_group",
    "do_unblock_sender",
    "do_unlink",
    "do_unmark_spam",
]
