"""Partners, their users and data-sharing agreements: created, linked, edited and
revoked by a manager (``manage_project``), each in one transaction with its audit event.

An edit makes a new version of the agreement (``models.AgreementVersion``): the agreement's
row takes the new terms at once, so whatever is no longer allowed leaves every partner
output on the next request; the old terms stay readable on the agreement's page.

Which fields and categories an agreement may name is checked by the screen's form
(``triage.referrals.forms``: the fields are ``triage``'s, to the right of this app);
here the shape and the dates.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from responsemap.accounts.models import Membership
from responsemap.projects.sharing.models import (
    AGREEMENT_TERMS,
    PARTNER_ROLE,
    AgreementVersion,
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


@dataclass(frozen=True)
class AgreementTerms:
    """What an edit may change: everything but the partner (another partner is another
    agreement)."""

    purpose: str
    document_reference: str
    valid_from: datetime.date
    valid_to: datetime.date
    fields_allowed: list[str] = field(default_factory=list)
    types_allowed: list[str] = field(default_factory=list)
    sectors_allowed: list[str] = field(default_factory=list)


def _checked_terms(data: NewAgreement | AgreementTerms) -> dict[str, Any]:
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
    return {
        "purpose": data.purpose.strip(),
        "document_reference": data.document_reference.strip(),
        "valid_from": data.valid_from,
        "valid_to": data.valid_to,
        "fields_allowed": sorted(set(data.fields_allowed)),
        "types_allowed": sorted(set(data.types_allowed)),
        "sectors_allowed": sorted(set(data.sectors_allowed)),
    }


def _add_version(
    viewer: Viewer,
    agreement: DataSharingAgreement,
    number: int,
    terms: dict[str, Any],
    at: datetime.datetime,
    reason: str | None,
) -> AgreementVersion:
    version = AgreementVersion(
        project_id=agreement.project_id,
        agreement=agreement,
        number=number,
        changed_at=at,
        changed_by_id=viewer.user_id,
        changed_by_label=viewer.label[:150],
        **terms,
    )
    if reason is not None:
        version.reason = reason
    version.save(force_insert=True)
    return version


def do_create_agreement(viewer: Viewer, data: NewAgreement) -> DataSharingAgreement:
    _check_manager(viewer)
    partner = Partner.objects.filter(
        project_id=viewer.project_id, pk=key_or_404(data.partner_id)
    ).first()
    if partner is None:
        raise Http404
    terms = _checked_terms(data)
    with transaction.atomic():
        agreement = DataSharingAgreement.objects.create(
            project_id=viewer.project_id,
            partner=partner,
            created_by_id=viewer.user_id,
            **terms,
        )
        _add_version(viewer, agreement, 1, terms, agreement.created_at, reason=None)
        record_event(
            "agreement.create",
            project_id=viewer.project_id,
            actor=viewer,
            object_type="datasharingagreement",
            object_id=agreement.pk,
            fields=AGREEMENT_FIELDS,
        )
    return agreement


def do_edit_agreement(
    viewer: Viewer,
    agreement_id: object,
    data: AgreementTerms,
    reason: str,
    *,
    expected_version: int | None = None,
) -> AgreementVersion:
    """Change an agreement's terms: a new version, in force from now on.

    Narrowing (a field, type or sector taken out, dates shortened) holds at once: partner
    outputs read the agreement's row. Widening holds only from now on: a record referred
    before shows a partner no more than the version it was referred under allowed
    (``triage.referrals.queries.shared_fields``). Race-safe: ``UPDATE … WHERE version =
    <the one the manager saw>``, the row locked so a referral made meanwhile is made under
    one version or the other, never half of each. The reason is sealed (the version and
    the audit event)."""
    _check_manager(viewer)
    agreement = DataSharingAgreement.objects.filter(
        project_id=viewer.project_id, pk=key_or_404(agreement_id)
    ).first()
    if agreement is None:
        raise Http404
    reason = reason.strip()
    if not reason:
        raise SharingRefused(_("Say why the agreement is changed."))
    terms = _checked_terms(data)
    with transaction.atomic():
        locked = DataSharingAgreement.objects.select_for_update().get(pk=agreement.pk)
        if locked.revoked_at is not None:
            raise SharingRefused(_("A revoked agreement can't be changed."))
        seen = locked.version if expected_version is None else expected_version
        changed = [name for name in AGREEMENT_TERMS if getattr(locked, name) != terms[name]]
        if not changed:
            raise SharingRefused(_("Nothing was changed."))
        now = timezone.now()
        moved = DataSharingAgreement.objects.filter(
            pk=locked.pk, version=seen, revoked_at__isnull=True
        ).update(version=seen + 1, **terms)
        if not moved:
            raise SharingRefused(
                _("Someone else changed this agreement meanwhile. Look again and retry.")
            )
        version = _add_version(viewer, locked, seen + 1, terms, now, reason)
        record_event(
            "agreement.edit",
            project_id=viewer.project_id,
            actor=viewer,
            object_type="datasharingagreement",
            object_id=agreement.pk,
            fields=changed,
            reason=reason,
        )
    return version


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
