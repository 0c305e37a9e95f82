"""Loading referrals for a person (chokepoint 1).

A partner user sees a referral only while all of this holds: they are an active member
of the project with the role ``partner``, linked to the partner the referral's agreement
is with, that agreement is active today (within its dates, not revoked) and its types
and sectors still cover the record. The day after ``valid_to``, the moment it is
revoked, or once an edit drops the record's category, every such referral is a 404.

What of the record they see is the agreement's field list and nothing else
(``partner_lens``): ``present()`` with ``only=`` those fields, as a viewer holding just
the permissions those fields need. An agreement edited since the referral was made
shares the fields both versions allow: a narrowing holds at once for everything, a
widening only for what is referred from then on (``shared_fields``).
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from responsemap.lib import clock
from responsemap.projects.sharing.models import (
    PARTNER_ROLE,
    AgreementVersion,
    DataSharingAgreement,
    PartnerUser,
    active_on,
    version_at,
)
from responsemap.projects.sharing.queries import versions_by_agreement
from responsemap.protection.catalogue import policies_for
from responsemap.protection.viewer import Viewer
from responsemap.triage.models import Feedback
from responsemap.triage.referrals.catalogue import ALWAYS_SHARED, SHAREABLE_FIELDS
from responsemap.triage.referrals.models import Disclosure, Referral


def today() -> datetime.date:
    """The project's today (the server's time zone), read from the clock."""
    return timezone.localdate(clock.now())


def referral_visible_to(viewer: Viewer) -> QuerySet[Referral]:
    """The referrals a partner user may see: their partner's, under agreements active
    today whose types and sectors (as they stand now) still cover the record — an
    agreement narrowed to fewer categories hides the others' referrals at once. Anyone
    else: none (staff see referrals on the record, ``referrals_of``)."""
    if viewer.role != PARTNER_ROLE or viewer.user_id is None:
        return Referral.objects.none()
    # The partner the user is linked to (``sharing.queries.partner_of``), in a subquery;
    # its agreements in force in one query (a partner has a handful), each one's
    # categories a condition of its own (JSON lists: no portable join on them).
    partners = PartnerUser.objects.filter(
        project_id=viewer.project_id, user_id=viewer.user_id
    ).values("partner_id")
    agreements = DataSharingAgreement.objects.filter(
        active_on(today()), project_id=viewer.project_id, partner_id__in=partners
    ).only("id", "types_allowed", "sectors_allowed")
    covered = Q()
    for agreement in agreements:
        covered |= Q(
            agreement_id=agreement.pk,
            feedback__type_code__in=list(agreement.types_allowed or []),
            feedback__sector__in=list(agreement.sectors_allowed or []),
        )
    if not covered:
        return Referral.objects.none()
    return Referral.objects.filter(covered, project_id=viewer.project_id)


def access_referral(viewer: Viewer, referral_id: object, *, write: bool = False) -> Referral:
    """One referral for a partner user, with its record and agreement; 404 otherwise.
    (``write``: the same rule; a partner user may update what they may see.)"""
    try:
        key = uuid.UUID(str(referral_id))
    except ValueError:
        raise Http404 from None
    referral = (
        referral_visible_to(viewer)
        .select_related("feedback", "feedback__area", "agreement", "agreement__partner")
        .filter(pk=key)
        .first()
    )
    if referral is None:
        raise Http404
    return referral


def referrals_of(record: Feedback) -> list[Referral]:
    """The referrals of a record already loaded for a staff viewer (``access_feedback``:
    its row rules hold for its referrals), newest first."""
    return list(
        Referral.objects.filter(feedback=record).select_related("agreement", "agreement__partner")
    )


def disclosures_of(agreement: DataSharingAgreement) -> QuerySet[Disclosure]:
    """An agreement already loaded for a manager (``access_agreement``): its log."""
    return Disclosure.objects.filter(agreement=agreement).order_by("-at", "-id")


def agreements_for_referral(viewer: Viewer, record: Feedback) -> list[DataSharingAgreement]:
    """The agreements active today whose categories cover the record, for the referral
    form of a staff viewer who may edit it."""
    if not viewer.can("edit_feedback"):
        return []
    rows = DataSharingAgreement.objects.filter(
        active_on(today()), project_id=record.project_id
    ).select_related("partner")
    return [a for a in rows if a.covers(record.type_code, record.sector)]


@dataclass(frozen=True)
class PartnerLens:
    """How a partner user sees a record under one agreement: the fields it allows
    (``only``), as a viewer holding just the permissions those fields need, and the
    original message opened (audited as a reveal) only if the agreement names it."""

    viewer: Viewer
    only: frozenset[str]
    reveal: tuple[str, ...]
    reason: str


def shared_fields(
    agreement: DataSharingAgreement, referred_under: AgreementVersion | None = None
) -> list[str]:
    """The record's fields a partner sees under ``agreement`` as it stands now; for a
    referral made under an earlier version (``referred_under``), only those that
    version allowed too."""
    allowed = set(agreement.fields_allowed)
    if referred_under is not None:
        allowed &= set(referred_under.fields_allowed)
    allowed |= set(ALWAYS_SHARED)
    return [name for name in SHAREABLE_FIELDS if name in allowed]


def referred_under(referrals: list[Referral]) -> dict[object, AgreementVersion | None]:
    """The version of its agreement each referral was made under (referral id →
    version), in one query for the lot; none to make while every agreement is still at
    its first version (None: the terms in force are the ones it was referred under)."""
    versions = versions_by_agreement(r.agreement_id for r in referrals if r.agreement.version > 1)
    return {r.pk: version_at(versions.get(r.agreement_id, []), r.referred_at) for r in referrals}


def partner_lens(
    viewer: Viewer, agreement: DataSharingAgreement, version: AgreementVersion | None = None
) -> PartnerLens:
    fields = shared_fields(agreement, version)
    policies = policies_for(Feedback)
    needed = {
        permission
        for name in fields
        for permission in (policies[name].view_permission, policies[name].reveal_permission)
        if permission is not None
    }
    lens_viewer = Viewer(
        user_id=viewer.user_id,
        label=viewer.label,
        role=viewer.role,
        project_id=viewer.project_id,
        permissions=frozenset(needed),
    )
    reveal = ("content",) if "content" in fields else ()
    reason = f"referral under agreement {agreement.document_reference}" if reveal else ""
    return PartnerLens(lens_viewer, frozenset(fields), reveal, reason)
