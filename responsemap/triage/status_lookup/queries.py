"""The one public door to a record: its public stage, for whoever holds its code.

What a code holder learns (docs/status-lookup.md): the stage, in words — received, being
looked at, referred, answered, closed — and the day it was received. Nothing else: not
the type, the text, the area, the channel, who works on it nor when it changed. A
protection-sensitive record shows less still: its stage only, and "referred" and
"answered" read as "being looked at" (that a protection case was referred on is itself
sensitive; a code may be in someone else's hands).

These are values derived from coded fields (status, sensitivity, received_at), never a
field shown as it is stored, so ``present()`` (whose catalogue keeps ``status``
internal) is not the door here; the dataclass below is all a page or an SMS gets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from responsemap.projects.models import Project
from responsemap.protection.present import open_for_system
from responsemap.protection.system_opens import SystemPurpose
from responsemap.triage.choices import Sensitivity, Status
from responsemap.triage.models import REFERENCE_ALPHABET, Feedback, normalise_reference
from responsemap.triage.replies.models import Reply


class PublicStage(models.TextChoices):
    RECEIVED = "received", _("Received")
    LOOKED_AT = "looked_at", _("Being looked at")
    REFERRED = "referred", _("Referred to another organisation")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


STAGE_OF_STATUS: dict[str, PublicStage] = {
    Status.NEW: PublicStage.RECEIVED,
    Status.TRIAGED: PublicStage.RECEIVED,
    Status.ASSIGNED: PublicStage.LOOKED_AT,
    Status.IN_PROGRESS: PublicStage.LOOKED_AT,
    Status.REFERRED: PublicStage.REFERRED,
    Status.ANSWERED: PublicStage.ANSWERED,
    Status.CLOSED: PublicStage.CLOSED,
}
# What a protection-sensitive record may show: nothing of where it went.
PROTECTED_STAGES = {PublicStage.RECEIVED, PublicStage.LOOKED_AT, PublicStage.CLOSED}

STAGE_EXPLAINED = {
    PublicStage.RECEIVED: _("Your message has arrived and is waiting to be read by the team."),
    PublicStage.LOOKED_AT: _("A member of the team is working on your message."),
    PublicStage.REFERRED: _(
        "Your message was passed to another organisation that can help, as you agreed."
    ),
    PublicStage.ANSWERED: _("The team has answered your message."),
    PublicStage.CLOSED: _("The team has finished working on your message."),
}

_CODE = re.compile(f"[{REFERENCE_ALPHABET}]{{4}}-[{REFERENCE_ALPHABET}]{{4}}")


def as_code(typed: str) -> str:
    """The reference a person typed, as stored (any case, dash or spaces optional), or
    "" if it can't be a reference at all (looked up all the same, and found nowhere: the
    answer is the one a code nobody holds gets)."""
    code = normalise_reference(typed[:40])
    return code if _CODE.fullmatch(code) else ""


@dataclass(frozen=True)
class PublicStatus:
    reference: str
    stage: str  # a PublicStage value
    stage_words: str
    explained: str
    received_on: date | None  # None for a protection-sensitive record
    # The latest reply a worker marked public (``Reply.public``); a reply sent to the
    # person and not marked public is theirs, not the code holder's. Never for a
    # protection case.
    public_reply: str = ""


def public_status(project: Project, typed: str, *, with_reply: bool = False) -> PublicStatus | None:
    """The public status of the record with this reference in this project, or None
    (no such record, or not a reference): one query on the unique index whatever the
    code, so a wrong code costs what a right one does. ``with_reply`` (the web page):
    also the latest reply marked public — one more query, made for every code."""
    code = as_code(typed)
    reply = _public_reply(project, code) if with_reply else None
    row = (
        Feedback.objects.filter(project=project, reference=code)
        .values_list("status", "sensitivity", "received_at")
        .first()
    )
    if row is None:
        return None
    status, sensitivity, received_at = row
    stage = STAGE_OF_STATUS.get(status, PublicStage.RECEIVED)
    protected = sensitivity == Sensitivity.SENSITIVE
    if protected and stage not in PROTECTED_STAGES:
        stage = PublicStage.LOOKED_AT
    return PublicStatus(
        reference=code,
        stage=stage.value,
        stage_words=str(stage.label),
        explained=str(STAGE_EXPLAINED[stage]),
        received_on=None if protected else timezone.localtime(received_at).date(),
        public_reply="" if protected or reply is None else reply,
    )


def _public_reply(project: Project, code: str) -> str | None:
    """The text of the record's latest reply marked public, opened for the status page
    (a system open, counted in the audit log), or None. Queried whatever the code."""
    reply = (
        Reply.objects.filter(project=project, feedback__reference=code, public=True)
        .exclude(feedback__sensitivity=Sensitivity.SENSITIVE)
        .order_by("-created_at")
        .first()
    )
    if reply is None:
        return None
    return open_for_system(reply, "text", purpose=SystemPurpose.SHOW_PUBLIC_REPLY)
