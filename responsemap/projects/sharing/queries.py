"""Loading partners and agreements for a person (chokepoint 1): a project's own, for
its managers; a partner user's own partner."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.db.models import QuerySet
from django.http import Http404

from responsemap.accounts.models import Membership
from responsemap.projects.sharing.models import (
    PARTNER_ROLE,
    AgreementVersion,
    DataSharingAgreement,
    Partner,
    PartnerUser,
)
from responsemap.protection.viewer import Viewer


def partners_visible_to(viewer: Viewer) -> QuerySet[Partner]:
    if not viewer.can("manage_project"):
        return Partner.objects.none()
    return Partner.objects.filter(project_id=viewer.project_id)


def agreements_visible_to(viewer: Viewer) -> QuerySet[DataSharingAgreement]:
    if not viewer.can("manage_project"):
        return DataSharingAgreement.objects.none()
    return DataSharingAgreement.objects.filter(project_id=viewer.project_id).select_related(
        "partner"
    )


def access_agreement(viewer: Viewer, agreement_id: object) -> DataSharingAgreement:
    agreement = agreements_visible_to(viewer).filter(pk=key_or_404(agreement_id)).first()
    if agreement is None:
        raise Http404
    return agreement


def versions_of(agreement: DataSharingAgreement) -> list[AgreementVersion]:
    """The versions of an agreement already loaded for its manager (``access_agreement``),
    newest first."""
    return list(AgreementVersion.objects.filter(agreement=agreement).order_by("-number"))


def versions_by_agreement(agreement_ids: Iterable[object]) -> dict[object, list[AgreementVersion]]:
    """The versions of agreements whose rows a loader already gave (a partner's
    referrals, a log page), in one query: to tell under which version something was
    shared. For code, never for a screen as such (the reasons stay sealed)."""
    found: dict[object, list[AgreementVersion]] = {}
    ids = {str(key) for key in agreement_ids}
    if not ids:
        return found
    rows = AgreementVersion.objects.filter(agreement_id__in=ids).order_by("number")
    for version in rows.defer("reason"):
        found.setdefault(version.agreement_id, []).append(version)
    return found


def partner_of(viewer: Viewer) -> Partner | None:
    """The partner a partner user works for in this project; None for anyone else
    (staff roles are never a partner's users, whatever a link says)."""
    if viewer.role != PARTNER_ROLE or viewer.user_id is None:
        return None
    link = (
        PartnerUser.objects.select_related("partner")
        .filter(project_id=viewer.project_id, user_id=viewer.user_id)
        .first()
    )
    return link.partner if link else None


def partner_members(project_id: uuid.UUID | str) -> list[tuple[int, str]]:
    """The active members whose role is ``partner``: (user id, name), for the link form."""
    rows = (
        Membership.objects.select_related("user")
        .filter(project_id=project_id, is_active=True, role__code=PARTNER_ROLE)
        .order_by("user__username")
    )
    return [(m.user_id, m.user.get_full_name() or m.user.get_username()) for m in rows]


def key_or_404(value: object) -> str:
    """An id from an address or a form as a UUID's text; a 404 if it is none."""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise Http404 from None
