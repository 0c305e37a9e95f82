from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from responsemap.protection.catalogue import Classification, FieldPolicy, declare
from responsemap.triage.coding.framework import labeller
from responsemap.triage.coding.models import Kind
from responsemap.triage.models import CallDetails, Feedback, Note

C = Classification
declare(
    Feedback,
    [
        FieldPolicy("reference", _("Reference"), C.INTERNAL),
        FieldPolicy("source", _("Channel"), C.INTERNAL),
        FieldPolicy("received_at", _("Received"), C.INTERNAL),
        FieldPolicy("language", _("Language"), C.INTERNAL),
        FieldPolicy("area", _("Area"), C.INTERNAL),
        # Words from the project's coding framework (triage.coding), not fixed choices.
        FieldPolicy("type_code", _("Type"), C.INTERNAL, labels=labeller(Kind.TYPE)),
        FieldPolicy("sector", _("Sector"), C.INTERNAL, labels=labeller(Kind.SECTOR)),
        FieldPolicy("topic", _("Topic"), C.INTERNAL, labels=labeller(Kind.TOPIC)),
        FieldPolicy("urgency", _("Urgency"), C.INTERNAL),
        FieldPolicy("status", _("Status"), C.INTERNAL),
        FieldPolicy("assignee", _("Assigned to"), C.INTERNAL),
        FieldPolicy("team", _("Team"), C.INTERNAL),
        FieldPolicy("sensitivity", _("Sensitivity"), C.INTERNAL),
        # Rules and response-time targets (triage.rules, triage.alerts).
        FieldPolicy("sensitivity_review", _("Protection check"), C.INTERNAL),
        FieldPolicy("due_at", _("Answer due by"), C.INTERNAL),
        FieldPolicy("gender", _("Gender"), C.CONFIDENTIAL, "view_demographics"),
        FieldPolicy("age_band", _("Age group"), C.CONFIDENTIAL, "view_demographics"),
        FieldPolicy("disability", _("Disability"), C.CONFIDENTIAL, "view_demographics"),
        FieldPolicy("displacement", _("Displacement"), C.CONFIDENTIAL, "view_demographics"),
        FieldPolicy("redacted_content", _("Message (redacted)"), C.CONFIDENTIAL, "view_feedback"),
        FieldPolicy("content", _("Message"), C.STRICT, "view_feedback", "reveal_content"),
        # Data-subject requests (triage.rights).
        FieldPolicy("consent_withdrawn_at", _("Consent withdrawn"), C.INTERNAL),
        FieldPolicy("erased_at", _("Erased on request"), C.INTERNAL),
    ],
)
declare(
    CallDetails,
    [
        FieldPolicy("duration_seconds", _("Call duration"), C.INTERNAL),
        FieldPolicy("callback_requested", _("Callback requested"), C.INTERNAL),
        FieldPolicy("consent_asked", _("Consent asked"), C.INTERNAL),
        FieldPolicy("consent_answer", _("Consent answer"), C.INTERNAL),
    ],
)
declare(
    Note,
    [
        FieldPolicy("author", _("Written by"), C.INTERNAL, "view_feedback"),
        FieldPolicy("created_at", _("Written"), C.INTERNAL, "view_feedback"),
        # Sealed at rest only, like the redacted copy: no reveal permission.
        FieldPolicy("text", _("Note"), C.CONFIDENTIAL, "view_feedback"),
    ],
)

# Concept sub-packages declare their own fields (issue 10).
from responsemap.triage.coding import catalogue as _coding  # noqa: E402, F401
from responsemap.triage.duplicates import catalogue as _duplicates  # noqa: E402, F401
from responsemap.triage.inbox import catalogue as _inbox  # noqa: E402, F401
from responsemap.triage.referrals import catalogue as _referrals  # noqa: E402, F401
from responsemap.triage.replies import catalogue as _replies  # noqa: E402, F401
from responsemap.triage.rights import catalogue as _rights  # noqa: E402, F401
from responsemap.triage.verification import catalogue as _verification  # noqa: E402, F401
