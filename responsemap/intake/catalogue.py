from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from responsemap.intake.contacts.models import ConsentNotice, Contact
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
        FieldPolicy("created_at", _("Published"), Classification.INTERNAL),
    ],
)
