"""Partners, their users and data-sharing agreements: created, linked and revoked by a
manager (``manage_project``), each in one transaction with its audit event.

Which fields and categories an agreement may name is checked by the screen's form
(``triage.referrals.forms``: the fields are ``triage``'s, to the right of this app);
here the shape and the dates.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from responsemap.accounts.models import Membership
from responsemap.projects.sharing.models import (
    PARTNER_ROLE,
    DataSharingAgreement,
    Partner,
    PartnerUser,
)
from responsemap.projects.sharing.queries import key_or_404
from responsemap.protection.audit import record_event
from responsemap.protection.viewer import Viewer


class SharingRefused(Exception):
    """A partner, link or agreement that can't be made; its message says why, in words."""


def _check_manager(viewer: Viewer) -> None:
    if not viewer.can("manage_project"):
        raise Http404


def do_create_partner(viewer: Viewer, name: str) -> Partner:
    _check_manager(viewer)
    name = name.strip()
    if not name:
        raise SharingRefused(_("A partner needs a name."))
    try:
        with transaction.atomic():
            partner = Partner.objects.create(project_id=viewer.project_id, name=name)
            record_event(
                "partner.create",
                project_id=viewer.project_id,
                actor=viewer,
                object_type="partner",
                object_id=partner.pk,
                fields=["name"],
            )
    except IntegrityError:
        raise SharingRefused(_("There is already a partner of that name.")) from None
    return partner


def do_link_partner_user(viewer: Viewer, partner_id: object, user_id: int) -> PartnerUser:
    """Link a member whose role is ``partner`` to one partner (moving them if they were
    linked to another): from then on they see what is referred to it."""
    _check_manager(viewer)
    partner = Partner.objects.filter(
        project_id=viewer.project_id, pk=key_or_404(partner_id)
    ).first()
    if partner is None:
        raise Http404
    if not Membership.objects.filter(
        project_id=viewer.project_id, user_id=user_id, is_active=True, role__code=PARTNER_ROLE
    ).exists():
        raise SharingRefused(_("Only a member with the partner role can be linked to a partner."))
    with transaction.atomic():
        link, _created = PartnerUser.objects.update_or_create(
            project_id=viewer.project_id, user_id=user_id, defaults={"partner": partner}
        )
        record_event(
            "partner.link_user",
            project_id=viewer.project_id,
            actor=viewer,
            object_type="partner",
            object_id=partner.pk,
            fields=["users"],
        )
    return link


@dataclass(frozen=True)
class NewAgreement:
    partner_id: object
    purpose: str
    document_reference: str
    valid_from: datetime.date
    valid_to: datetime.date
    fields_allowed: list[str] = field(default_factory=list)
    types_allowed: list[str] = field(default_factory=list)
    sectors_allowed: list[str] = field(default_factory=list)


AGREEMENT_FIELDS = [
    "partner",
    "purpose",
    "document_reference",
    "valid_from",
    "valid_to",
    "fields_allowed",
    "types_allowed",
    "sectors_allowed",
]


def do_create_agreement(viewer: Viewer, data: NewAgreement) -> DataSharingAgreement:
    _check_manager(viewer)
    partner = Partner.objects.filter(
        project_id=viewer.project_id, pk=key_or_404(data.partner_id)
    ).first()
    if partner is None:
        raise Http404
    if data.valid_to < data.valid_from:
        raise SharingRefused(_("An agreement can't end before it starts."))
    if not (data.fields_allowed and data.types_allowed and data.sectors_allowed):
        raise SharingRefused(
            _("An agreement names at least one field, one type and one sector it allows.")
        )
    if not data.purpose.strip() or not data.document_reference.strip():
        raise SharingRefused(
            _("An agreement needs its purpose and the reference of the signed document.")
        )
    with transaction.atomic():
        agreement = DataSharingAgreement.objects.create(
            project_id=viewer.project_id,
            partner=partner,
            purpose=data.purpose.strip(),
            document_reference=data.document_reference.strip(),
            valid_from=data.valid_from,
            valid_to=data.valid_to,
            fields_allowed=sorted(set(data.fields_allowed)),
            types_allowed=sorted(set(data.types_allowed)),
            sectors_allowed=sorted(set(data.sectors_allowed)),
            created_by_id=viewer.user_id,
        )
        record_event(
            "agreement.create",
            project_id=viewer.project_id,
            actor=viewer,
            object_type="datasharingagreement",
            object_id=agreement.pk,
            fields=AGREEMENT_FIELDS,
        )
    return agreement


def do_revoke_agreement(viewer: Viewer, agreement_id: object, reason: str) -> DataSharingAgreement:
    """Revoke an agreement at once: its partner's users lose every record referred under
    it on their next request. Race-safe (``UPDATE … WHERE revoked_at IS NULL``); the
    reason is sealed in the audit event."""
    _check_manager(viewer)
    agreement = DataSharingAgreement.objects.filter(
        project_id=viewer.project_id, pk=key_or_404(agreement_id)
    ).first()
    if agreement is None:
        raise Http404
    if not reason.strip():
        raise SharingRefused(_("Say why the agreement is revoked."))
    now = timezone.now()
    with transaction.atomic():
        revoked = DataSharingAgreement.objects.filter(
            pk=agreement.pk, revoked_at__isnull=True
        ).update(revoked_at=now, revoked_by_id=viewer.user_id)
        if not revoked:
            raise SharingRefused(_("This agreement was already revoked."))
        record_event(
            "agreement.revoke",
            project_id=viewer.project_id,
            actor=viewer,
            object_type="datasharingagreement",
            object_id=agreement.pk,
            fields=["revoked_at"],
            reason=reason.strip(),
        )
    agreement.revoked_at, agreement.revoked_by_id = now, viewer.user_id
    return agreement
