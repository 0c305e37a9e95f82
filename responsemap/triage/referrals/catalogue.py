"""What a screen may show of referrals and disclosure log lines, and which of a
record's fields an agreement may let a partner see.

The note and the answer are sealed at rest only (no reveal permission, like a record's
notes): shown to whoever may load the referral — the record's staff through
``access_feedback``, the partner's users through ``access_referral``.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from responsemap.protection.audit_catalogue import field_label
from responsemap.protection.catalogue import Classification, FieldPolicy, declare, policies_for
from responsemap.triage.models import Feedback
from responsemap.triage.referrals.models import Disclosure, Referral

C = Classification
declare(
    Referral,
    [
        FieldPolicy("agreement", _("Agreement"), C.INTERNAL),
        FieldPolicy("status", _("Referral status"), C.INTERNAL),
        FieldPolicy("referred_at", _("Referred"), C.INTERNAL),
        FieldPolicy("updated_at", _("Last change"), C.INTERNAL),
        FieldPolicy("note", _("Note to the partner"), C.CONFIDENTIAL),
        FieldPolicy("answer", _("Partner's answer"), C.CONFIDENTIAL),
        FieldPolicy("answered_at", _("Answered"), C.INTERNAL),
    ],
)
declare(
    Disclosure,
    [
        FieldPolicy("reference", _("Reference"), C.INTERNAL, "manage_project"),
        FieldPolicy("kind", _("What happened"), C.INTERNAL, "manage_project"),
        FieldPolicy("fields", _("Fields shared"), C.INTERNAL, "manage_project"),
        FieldPolicy("person_label", _("Who"), C.INTERNAL, "manage_project"),
        FieldPolicy("at", _("When"), C.INTERNAL, "manage_project"),
    ],
)

# A record's fields an agreement may name, in the order a partner's screens show them.
# ``redacted_content`` is the message with personal details removed; ``content`` the
# original, shared only when an agreement names it explicitly. The contact and the
# assignee are never shared.
SHAREABLE_FIELDS = (
    "reference",
    "received_at",
    "language",
    "area",
    "type_code",
    "sector",
    "topic",
    "urgency",
    "gender",
    "age_band",
    "disability",
    "displacement",
    "redacted_content",
    "content",
)
# Always shared: a referral can't be talked about without its reference.
ALWAYS_SHARED = ("reference",)


def shareable_choices() -> list[tuple[str, str]]:
    """What an agreement's form offers (the reference goes without saying), in words;
    the original message named as such, so nobody ticks it thinking of the copy."""
    policies = policies_for(Feedback)
    words = {name: str(policies[name].label) for name in SHAREABLE_FIELDS}
    words["content"] = str(_("Original message, personal details included"))
    return [(name, words[name]) for name in SHAREABLE_FIELDS if name not in ALWAYS_SHARED]


def field_words(names: object) -> str:
    """An agreement's or a log line's field names, in words."""
    if not isinstance(names, list | tuple):
        return ""
    return ", ".join(field_label("feedback", n) for n in names if isinstance(n, str))
