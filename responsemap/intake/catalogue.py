from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from responsemap.intake.contacts.models import ConsentNotice, ConsentRecord, Contact
from responsemap.intake.messages.models import InboundMessage, OutboundMessage
from responsemap.protection.catalogue import Classification, FieldPolicy, declare

declare(
    Contact,
    [
        FieldPolicy(
            "phone", _("Phone number"), Classification.STRICT, "view_feedback", "reveal_contact"
        ),
        FieldPolicy("name", _("Name"), Classification.STRICT, "view_feedback", "reveal_contact"),
        FieldPolicy(
            "handle", _("Messaging id"), Classification.STRICT, "view_feedback", "reveal_contact"
        ),
        FieldPolicy("language", _("Language"), Classification.INTERNAL),
        FieldPolicy("opted_out_at", _("Opted out"), Classification.INTERNAL),
        FieldPolicy("consent_withdrawn_at", _("Consent withdrawn"), Classification.INTERNAL),
        FieldPolicy("erased_at", _("Erased on request"), Classification.INTERNAL),
    ],
)
# What a person agreed to, how, and who witnessed it (a name: sealed, revealed like
# the contact's own name).
declare(
    ConsentRecord,
    [
        FieldPolicy("given", _("Agreed"), Classification.INTERNAL),
        FieldPolicy("legal_basis", _("Legal basis"), Classification.INTERNAL),
        FieldPolicy("method", _("How consent was given"), Classification.INTERNAL),
        FieldPolicy("purposes", _("For what"), Classification.INTERNAL),
        FieldPolicy("notice_version", _("Notice shown"), Classification.INTERNAL),
        FieldPolicy("recorded_at", _("Recorded"), Classification.INTERNAL),
        FieldPolicy("withdrawn_at", _("Withdrawn"), Classification.INTERNAL),
        FieldPolicy(
            "witness_name",
            _("Witness"),
            Classification.STRICT,
            "view_feedback",
            "reveal_contact",
        ),
        FieldPolicy(
            "audio_reference",
            _("Recording"),
            Classification.STRICT,
            "view_feedback",
            "reveal_contact",
        ),
        FieldPolicy(
            "guardian_name",
            _("Guardian"),
            Classification.STRICT,
            "view_feedback",
            "reveal_contact",
        ),
    ],
)
declare(
    InboundMessage,
    [
        FieldPolicy("received_at", _("Received"), Classification.INTERNAL),
        FieldPolicy("kind", _("Kind"), Classification.INTERNAL),
        FieldPolicy("text", _("Text"), Classification.STRICT, "view_feedback", "reveal_content"),
    ],
)
declare(
    OutboundMessage,
    [
        FieldPolicy("purpose", _("Purpose"), Classification.INTERNAL),
        FieldPolicy("state", _("Delivery"), Classification.INTERNAL),
        FieldPolicy("created_at", _("Queued"), Classification.INTERNAL),
        FieldPolicy("sent_at", _("Sent"), Classification.INTERNAL),
        FieldPolicy("delivered_at", _("Delivered"), Classification.INTERNAL),
        FieldPolicy(
            "text", _("Text"), Classification.CONFIDENTIAL, "view_feedback", "reveal_content"
        ),
    ],
)
# The notice is what every new number is sent and the public form shows: public.
declare(
    ConsentNotice,
    [
        FieldPolicy("language", _("Language"), Classification.PUBLIC),
        FieldPolicy("version", _("Version"), Classification.PUBLIC),
        FieldPolicy("text", _("Notice"), Classification.PUBLIC),
        FieldPolicy("sharing", _("Who it is shared with"), Classification.PUBLIC),
        FieldPolicy("rights", _("Your rights"), Classification.PUBLIC),
        FieldPolicy("created_at", _("Published"), Classification.INTERNAL),
    ],
)
