"""What a screen may show of partners and agreements: organisations and paperwork,
shown to whoever the loaders (``sharing.queries``) let load them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from responsemap.projects.sharing.models import AgreementVersion, DataSharingAgreement, Partner
from responsemap.protection.catalogue import Classification, FieldPolicy, declare

C = Classification
declare(Partner, [FieldPolicy("name", _("Partner"), C.INTERNAL)])
declare(
    DataSharingAgreement,
    [
        FieldPolicy("partner", _("Partner"), C.INTERNAL),
        FieldPolicy("purpose", _("Purpose"), C.INTERNAL),
        FieldPolicy("document_reference", _("Signed document"), C.INTERNAL),
        FieldPolicy("fields_allowed", _("Fields shared"), C.INTERNAL),
        FieldPolicy("types_allowed", _("Types covered"), C.INTERNAL),
        FieldPolicy("sectors_allowed", _("Sectors covered"), C.INTERNAL),
        FieldPolicy("valid_from", _("Valid from"), C.INTERNAL),
        FieldPolicy("valid_to", _("Valid to"), C.INTERNAL),
        FieldPolicy("revoked_at", _("Revoked"), C.INTERNAL),
        FieldPolicy("version", _("Version"), C.INTERNAL),
    ],
)
# A version's reason is a manager's words, sealed at rest; shown to whoever may load the
# agreement (its managers), the page's listing event accounting for it (ADR 0008).
declare(
    AgreementVersion,
    [
        FieldPolicy("number", _("Version"), C.INTERNAL),
        FieldPolicy("purpose", _("Purpose"), C.INTERNAL),
        FieldPolicy("document_reference", _("Signed document"), C.INTERNAL),
        FieldPolicy("fields_allowed", _("Fields shared"), C.INTERNAL),
        FieldPolicy("types_allowed", _("Types covered"), C.INTERNAL),
        FieldPolicy("sectors_allowed", _("Sectors covered"), C.INTERNAL),
        FieldPolicy("valid_from", _("Valid from"), C.INTERNAL),
        FieldPolicy("valid_to", _("Valid to"), C.INTERNAL),
        FieldPolicy("changed_at", _("Changed"), C.INTERNAL),
        FieldPolicy("changed_by_label", _("Changed by"), C.INTERNAL),
        FieldPolicy("reason", _("Reason"), C.CONFIDENTIAL),
    ],
)
