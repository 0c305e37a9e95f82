from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models

from responsemap.protection.fields import EncryptedTextField
from responsemap.triage.choices import (
    AgeBand,
    Disability,
    Displacement,
    FeedbackType,
    Gender,
    Sector,
    Sensitivity,
    Source,
    Status,
    Urgency,
)
from responsemap.triage.rules.choices import SensitivityReview

REFERENCE_ALPHABET = "ACDEFGHJKLMNPQRTUVWXY34679"  # no look-alikes (0/O, 1/I, 5/S, 8/B)


def new_reference() -> str:
    code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"{code[:4]}-{code[4:]}"


def normalise_reference(typed: str) -> str:
    """A reference as it is stored, from however a person typed it: any case, with or
    without its dash or spaces ("d4en acc6" → "D4EN-ACC6"), so a search is an exact
    match on the unique index."""
    code = "".join(ch for ch in typed.upper() if ch.isalnum())
    return f"{code[:4]}-{code[4:]}" if len(code) == 8 else code


# The inbox's indexes: the viewer's rows by time (all, or the normal ones only), and
# one per filter, each with the sensitivity as an included column so a capped count of
# a normal-only viewer reads the index alone (INCLUDE: PostgreSQL; ignored by SQLite).
INBOX_FILTER_FIELDS = [
    "status",
    "type_code",
    "urgency",
    "source",
    "sector",
    "area",
    "assignee",
    "team",
]
# "Most urgent first": critical, high, normal, low (an expression the index below has).
URGENCY_RANK = models.Case(
    *(
        models.When(urgency=code, then=models.Value(rank))
        for rank, code in enumerate(("critical", "high", "normal", "low"))
    ),
    default=models.Value(4),
    output_field=models.IntegerField(),
)
INBOX_INDEXES = [
    models.Index(fields=["project", "received_at", "id"], name="feedback_inbox_time"),
    models.Index(
        models.F("project"),
        URGENCY_RANK,
        models.F("received_at").desc(),
        models.F("id").desc(),
        name="feedback_inbox_most_urgent",
    ),
    models.Index(
        fields=["project", "sensitivity", "received_at", "id"], name="feedback_inbox_sensitivity"
    ),
    *(
        models.Index(
            fields=["project", field, "received_at", "id"],
            include=["sensitivity"],
            name=f"feedback_inbox_{field}",
        )
        for field in INBOX_FILTER_FIELDS
    ),
    # Open records only (not answered, not closed): "My work" (mine, my teams') and
    # "overdue" (with a due date), each a small part of the records, read in order.
    *(
        models.Index(
            fields=["project", *lead, "received_at", "id"],
            include=["sensitivity"],
            condition=~models.Q(status__in=[Status.ANSWERED, Status.CLOSED]) & extra,
            name=f"feedback_inbox_open_{name}",
        )
        for name, lead, extra in [
            ("assignee", ["assignee"], models.Q()),
            ("team", ["team"], models.Q()),
            ("due", [], models.Q(due_at__isnull=False)),
        ]
    ),
]


class Feedback(models.Model):
    """One piece of feedback, from any source. The message text is sealed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    reference = models.CharField(max_length=12, default=new_reference)
    source = models.CharField(max_length=16, choices=Source.choices)
    # An import's row key (unique per project and source); empty for other sources.
    provider_message_id = models.CharField(max_length=128, blank=True)
    # The message this record was made from (SMS, messaging apps): unique, so a batch
    # processed again makes nothing twice. SET_NULL, not PROTECT: the record stands on
    # its own (its text is sealed in it), and the raw message may be purged before it
    # (retention, data minimisation) without being held by the record.
    inbound_message = models.ForeignKey(
        "intake.InboundMessage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # the unique index below serves lookups
    )
    received_at = models.DateTimeField(db_index=True)
    contact = models.ForeignKey(
        "intake.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="feedback"
    )
    language = models.CharField(max_length=8, blank=True)
    area = models.ForeignKey(
        "geo.AdminArea", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    # Codes of the project's coding framework (triage.coding), checked where a record
    # is born or re-coded; no fixed choices, as a project adds its own codes.
    type_code = models.CharField(max_length=16, default=FeedbackType.UNCODED)
    sector = models.CharField(max_length=16, default=Sector.UNCODED)
    topic = models.CharField(max_length=64, blank=True)
    urgency = models.CharField(max_length=8, choices=Urgency.choices, default=Urgency.NORMAL)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The team the record is assigned to, with or without a person (issue 10).
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    gender = models.CharField(max_length=8, choices=Gender.choices, default=Gender.UNKNOWN)
    age_band = models.CharField(max_length=8, choices=AgeBand.choices, default=AgeBand.UNKNOWN)
    disability = models.CharField(
        max_length=8, choices=Disability.choices, default=Disability.UNKNOWN
    )
    displacement = models.CharField(
        max_length=10, choices=Displacement.choices, default=Displacement.UNKNOWN
    )
    sensitivity = models.CharField(
        max_length=10, choices=Sensitivity.choices, default=Sensitivity.NORMAL
    )
    # Raised to sensitive by a rule (triage.rules): to be confirmed or lowered by protection staff.
    sensitivity_review = models.CharField(
        max_length=12, choices=SensitivityReview.choices, default="", blank=True
    )
    # Response-time target (triage.alerts.targets): overdue = due_at < now, not answered/closed.
    due_at = models.DateTimeField(null=True, blank=True)
    content = EncryptedTextField()
    # The analysis copy: personal details replaced by [NAME], [PHONE], [EMAIL], [ID].
    # Filled by the worker (tasks.redact_feedback) once the original is safely stored.
    # Sealed like the original (redaction is never perfect: ADR 0008), but shown to
    # whoever may view feedback without a reveal (catalogue: confidential).
    redacted_content = EncryptedTextField()
    redacted_at = models.DateTimeField(null=True, blank=True)
    # Data-subject requests (triage.rights): the sender withdrew consent (nothing more
    # is sent or shared), or asked to be erased (the record is a tombstone: its text
    # and contact are gone, its coded fields stay for the counts).
    consent_withdrawn_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "source", "provider_message_id"],
                condition=~models.Q(provider_message_id=""),
                name="feedback_provider_message_unique",
            ),
            models.UniqueConstraint(
                fields=["inbound_message"],
                condition=models.Q(inbound_message__isnull=False),
                name="feedback_inbound_message_unique",
            ),
            models.UniqueConstraint(
                fields=["project", "reference"], name="feedback_reference_unique"
            ),
        ]
        indexes = [
            # The inbox at 1,000,000 records (triage.inbox.listing, migration 0012): each
            # ordered by time then id, so a page is read in order from one of them.
            *INBOX_INDEXES,
            models.Index(fields=["project", "due_at"]),  # the overdue list (triage.alerts)
            models.Index(fields=["project", "team"]),
        ]
        ordering = ["-received_at"]

    # The search tokens of a redacted copy just made (``redaction.apply_redaction``),
    # written by ``redaction.write_search_tokens`` once the record is saved. Not a field.
    pending_tokens: list[int] | None = None

    def __str__(self) -> str:
        return f"feedback {self.reference}"


class FeedbackToken(models.Model):
    """One word of a record's redacted copy, as a keyed token (``protection.tokens``):
    the word search of the inbox. A side table on both databases, with one B-tree index
    on (project, token, feedback) that answers a word's lookup by itself (ADR 0008).
    Deleted with its record; meaningless once the project's key is destroyed."""

    feedback = models.ForeignKey(
        Feedback, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    token = models.BigIntegerField()

    class Meta:
        constraints = [
            # Also the index that deleting a record's tokens uses.
            models.UniqueConstraint(fields=["feedback", "token"], name="feedback_token_unique"),
        ]
        indexes = [models.Index(fields=["project", "token", "feedback"])]

    def __str__(self) -> str:
        return f"search token of {self.feedback_id}"


class CallDetails(models.Model):
    """How a hotline call went, typed in by the operator with the call's feedback."""

    feedback = models.OneToOneField(Feedback, on_delete=models.CASCADE, related_name="call_details")
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    callback_requested = models.BooleanField(default=False)
    consent_asked = models.BooleanField()
    # None when consent was not asked (the call dropped first).
    consent_answer = models.BooleanField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "call details"

    def __str__(self) -> str:
        return f"call details of {self.feedback_id}"


class PublicFormThrottle(models.Model):
    """Submissions of the public web form from one client address in one time window.

    The address itself is never stored: ``client_key`` is an HMAC of the address and the
    window, so rows of two windows can't be linked to each other, and rows of past
    windows are deleted as new windows start (see ``public_guard``).
    """

    client_key = models.CharField(max_length=64, unique=True)
    window_start = models.DateTimeField(db_index=True)
    count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"throttle {self.client_key[:8]} ({self.count})"


class Note(models.Model):
    """A note a worker adds to a record: sealed at rest under the project key like the
    redacted copy, and shown without a reveal to whoever may see the record (ADR 0008).
    Unreadable once the project's key is destroyed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    text = EncryptedTextField()

    class Meta:
        indexes = [models.Index(fields=["feedback", "-created_at"])]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"note on {self.feedback_id}"


# Concept sub-packages' models (issue 10), imported so Django finds them.
from responsemap.triage.alerts.models import Alert, AlertPolicy, Notification  # noqa: E402, F401
from responsemap.triage.coding.models import Code  # noqa: E402, F401
from responsemap.triage.duplicates.models import (  # noqa: E402, F401
    DuplicateLink,
    DuplicatePolicy,
    RumourGroup,
    RumourMember,
    SenderBlock,
    SimilarityBand,
    SpamMark,
    TextSignature,
)
from responsemap.triage.inbox.models import SavedFilter  # noqa: E402, F401
from responsemap.triage.referrals.models import Disclosure, Referral  # noqa: E402, F401
from responsemap.triage.replies.models import (  # noqa: E402, F401
    CallbackAttempt,
    Reply,
    ReplyTemplate,
)
from responsemap.triage.rights.models import SubjectRequest  # noqa: E402, F401
from responsemap.triage.rules.models import Rule  # noqa: E402, F401
from responsemap.triage.status_lookup.models import StatusLookupThrottle  # noqa: E402, F401
from responsemap.triage.suggestions.models import ProjectModel, Suggestion  # noqa: E402, F401
from responsemap.triage.verification.models import (  # noqa: E402, F401
    Verification,
    VerificationCheck,
)
