"""A project's redaction policy from its settings: the built-in rules plus what the
manager set on the intake policy (ID patterns, cue words, words to keep), the ID patterns
set on the project, and the project's area names kept (a place is not a person:
"Jérémie" is both). One builder for the worker (``triage.redaction``) and the settings
screen's "Try", so the preview shows what the worker will do. An ID pattern that runs
out of its time on a message (``protection.redaction.patterns``) is counted here, per
project and pattern, for the warning on the settings screen."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from functools import partial

from responsemap.geo.locate import AreaNames
from responsemap.intake.contacts.actions import do_count_id_pattern_timeout
from responsemap.intake.contacts.models import IntakePolicy
from responsemap.projects.models import Project
from responsemap.protection.redaction import RedactionPolicy
from responsemap.protection.redaction.gazetteer import known
from responsemap.protection.redaction.lexicon import key
from responsemap.protection.viewer import ProjectId

log = logging.getLogger(__name__)


def build_redaction_policy(
    project: Project,
    policy: IntakePolicy | None,
    areas: AreaNames | None = None,
    *,
    on_timeout: Callable[[str], None] | None = None,
) -> RedactionPolicy:
    """Raises ValueError if an ID pattern does not compile. An ID pattern that runs out
    of its time on a message is counted for the manager's warning (``on_timeout``
    instead, for the screen's "Try")."""
    patterns: list[str] = [*project.id_patterns, *(policy.id_patterns if policy else ())]
    keep: list[str] = list(policy.redaction_keep_words) if policy else []
    if areas is not None:
        keep.extend(_area_words(areas.areas))
    return RedactionPolicy(
        country=project.country,
        languages=tuple(project.languages),
        id_patterns=tuple(dict.fromkeys(patterns)),
        cue_words=tuple(policy.redaction_cue_words) if policy else (),
        keep_words=tuple(sorted(set(keep))),
        on_id_pattern_timeout=on_timeout or partial(_count_timeout, project.pk),
    )


def _count_timeout(project_id: ProjectId, pattern: str) -> None:
    log.warning("an ID pattern of project %s ran out of time on a message", project_id)
    do_count_id_pattern_timeout(project_id=project_id, pattern=pattern)


def _area_words(names: Iterable[str]) -> list[str]:
    """The words of the area names to keep: a one-word name whole; of a longer one
    ("Ali Addeh", "Hawa Abdi camp") only the words that are not given names, or every
    "Ali" and "Hawa" of the project would be kept."""
    words = []
    for name in names:
        if any(c.isdigit() for c in name):
            continue  # a P-code
        parts = name.split()
        if len(parts) == 1:
            words.append(name)
        else:
            words.extend(part for part in parts if not known(key(part)))
    return words
