"""Referring a record to a partner, and the partner's side of it. Each action is one
transaction with its audit event and a line of the agreement's disclosure log.

A referral needs, all at once: a role that may edit the record (``access_feedback``:
a protection case only for protection roles), an agreement of the project active today
whose categories cover the record's type and sector, and consent to share — found on
the sender's contact (a consent record given for ``share_with_partners``, not
withdrawn) or confirmed by the officer now (recorded as such a consent record, audited).
The record then moves to ``referred`` through ``do_change_status`` (race-safe).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from responsemap.intake.contacts.actions import do_record_consent
from responsemap.intake.contacts.consent import has_withdrawn
from responsemap.intake.contacts.models import ConsentRecord
from responsemap.projects.sharing.models import AgreementVersion, DataSharingAgreement, active_on
from responsemap.projects.sharing.queries import key_or_404
from responsemap.protection.audit import EventSpec, record_events
from responsemap.protection.viewer import Viewer
from responsemap.triage.actions import WorkflowRefused, do_change_status
from responsemap.triage.choices import Status
from responsemap.triage.models import Feedback
from responsemap.triage.queries import access_feedback
from responsemap.triage.referrals.models import Disclosure, DisclosureKind, Referral, ReferralStatus
from responsemap.triage.referrals.queries import (
    access_referral,
    referred_under,
    shared_fields,
    today,
)

SHARE_PURPOSE = "share_with_partners"
TEXT_MAX_LENGTH = 4000
# What a partner may move a referral to, from each status.
PARTNER_MOVES: dict[str, tuple[str, ...]] = {
    ReferralStatus.SENT: (ReferralStatus.RECEIVED, ReferralStatus.DECLINED),
    ReferralStatus.RECEIVED: (
        ReferralStatus.IN_PROGRESS,
        ReferralStatus.DONE,
        ReferralStatus.DECLINED,
    ),
    ReferralStatus.IN_PROGRESS: (ReferralStatus.DONE, ReferralStatus.DECLINED),
    ReferralStatus.DONE: (),
    ReferralStatus.DECLINED: (),
}


class ReferralRefused(WorkflowRefused):
    """A referral or an update that is not possible; its message says why, in words."""


def consent_to_share(record: Feedback) -> ConsentRecord | None:
    """The latest consent of the record's sender that covers sharing with partners,
    if it is given and not withdrawn; None for an anonymous record or without one."""
    if record.contact_id is None or (record.contact and has_withdrawn(record.contact)):
        return None
    latest = None
    for consent in ConsentRecord.objects.filter(contact_id=record.contact_id).order_by(
        "-recorded_at", "-pk"
    ):
        if SHARE_PURPOSE in (consent.purposes or []):
            latest = consent
            break
    if latest is None or not latest.given or latest.withdrawn_at is not None:
        return None
    return latest


def _disclosure(
    referral: Referral, reference: str, kind: str, fields: list[str], viewer: Viewer
) -> tuple[Disclosure, EventSpec]:
    event = EventSpec(
        f"referral.{kind}",
        project_id=referral.project_id,
        actor=viewer,
        object_type="feedback",
        object_id=referral.feedback_id,
        fields=fields,
        purpose=f"agreement:{referral.agreement_id}",
    )
    line = Disclosure(
        project_id=referral.project_id,
        agreement_id=referral.agreement_id,
        referral=referral,
        reference=reference,
        kind=kind,
        fields=fields,
        person_id=viewer.user_id,
        person_label=viewer.label,
        at=timezone.now(),
    )
    return line, event


def _write(lines: list[tuple[Disclosure, EventSpec]]) -> None:
    events = record_events([event for _line, event in lines])
    for (line, _event), written in zip(lines, events, strict=True):
        line.event_uid = written.uid
    Disclosure.objects.bulk_create([line for line, _event in lines])


def do_refer_feedback(
    viewer: Viewer,
    feedback_id: object,
    agreement_id: object,
    note: str,
    *,
    consent_confirmed: bool = False,
    expected: str | None = None,
) -> Referral:
    record = access_feedback(viewer, feedback_id, write=True)
    agreement = (
        DataSharingAgreement.objects.filter(
            project_id=record.project_id, pk=key_or_404(agreement_id)
        )
        .select_related("partner")
        .first()
    )
    if agreement is None or not agreement.is_active_on(today()):
        raise ReferralRefused(_("There is no agreement in force for this referral."))
    if not agreement.covers(record.type_code, record.sector):
        raise ReferralRefused(
            _("The agreement with %(partner)s does not cover this record's type and sector.")
            % {"partner": agreement.partner.name}
        )
    note = note.strip()
    if len(note) > TEXT_MAX_LENGTH:
        raise ReferralRefused(_("A note can be %(n)d characters at most.") % {"n": TEXT_MAX_LENGTH})
    if record.consent_withdrawn_at is not None or (
        record.contact is not None and has_withdrawn(record.contact)
    ):
        # A withdrawal on request (triage.rights) can't be overridden by a tick.
        raise ReferralRefused(
            _("This person withdrew their consent: their record may not be shared.")
        )
    consent = consent_to_share(record)
    if consent is None and not consent_confirmed:
        raise ReferralRefused(
            _(
                "Consent to share with partners is not recorded for this person. Ask them, "
                "and tick the box if they agree."
            )
        )
    try:
        with transaction.atomic():
            # Locks the agreement row: a revocation or an edit committed meanwhile is
            # seen here, and an edit waits for this referral (``do_edit_agreement``), so
            # it is made, timed and logged under one version.
            locked = (
                DataSharingAgreement.objects.select_for_update()
                .filter(active_on(today()), pk=agreement.pk)
                .first()
            )
            if locked is None:
                raise ReferralRefused(_("There is no agreement in force for this referral."))
            if not locked.covers(record.type_code, record.sector):
                raise ReferralRefused(
                    _(
                        "The agreement with %(partner)s does not cover this record's type "
                        "and sector."
                    )
                    % {"partner": agreement.partner.name}
                )
            locked.partner = agreement.partner
            agreement = locked
            now = timezone.now()
            if consent is None:
                consent = do_record_consent(
                    project_id=record.project_id,
                    contact=record.contact,
                    given=True,
                    method=ConsentRecord.Method.VERBAL,
                    purposes=[SHARE_PURPOSE],
                    actor=viewer,
                )
            referral = Referral(
                project_id=record.project_id,
                feedback=record,
                agreement=agreement,
                consent=consent,
                referred_by_id=viewer.user_id,
                referred_at=now,
                updated_at=now,
            )
            referral.note = note
            referral.save(force_insert=True)
            seen = record.status if expected is None else expected
            if seen != Status.REFERRED:
                do_change_status(
                    viewer, record.pk, Status.REFERRED, expected=seen, reason=agreement.partner.name
                )
            _write(
                [
                    _disclosure(
                        referral,
                        record.reference,
                        DisclosureKind.REFERRED,
                        shared_fields(agreement),
                        viewer,
                    )
                ]
            )
    except IntegrityError:
        raise ReferralRefused(_("This record was already referred under this agreement.")) from None
    return referral


def do_list_referrals(
    viewer: Viewer,
    referrals: list[Referral],
    versions: dict[object, AgreementVersion | None] | None = None,
) -> None:
    """Log a page of a partner's queue: what each line showed them (``versions``: each
    referral's ``referred_under``, if the caller has them already)."""
    versions = referred_under(referrals) if versions is None else versions
    lines = [
        _disclosure(
            r,
            r.feedback.reference,
            DisclosureKind.LISTED,
            shared_fields(r.agreement, versions.get(r.pk)),
            viewer,
        )
        for r in referrals
    ]
    if lines:
        with transaction.atomic():
            _write(lines)


def do_view_referral(viewer: Viewer, referral: Referral) -> None:
    """Log that a partner user opened a referral, naming the fields it showed them."""
    with transaction.atomic():
        _write(
            [
                _disclosure(
                    referral,
                    referral.feedback.reference,
                    DisclosureKind.VIEWED,
                    shared_fields(referral.agreement, referred_under([referral])[referral.pk]),
                    viewer,
                )
            ]
        )


def do_update_referral_status(
    viewer: Viewer, referral_id: object, to_status: str, *, expected: str | None = None
) -> Referral:
    """A partner user moves the referral along (``PARTNER_MOVES``), race-safe:
    ``UPDATE … WHERE status = <the one seen>``."""
    referral = access_referral(viewer, referral_id, write=True)
    from_status = referral.status if expected is None else expected
    if to_status not in PARTNER_MOVES.get(from_status, ()):
        raise ReferralRefused(_("This referral can't be moved to that status."))
    now = timezone.now()
    with transaction.atomic():
        moved = Referral.objects.filter(pk=referral.pk, status=from_status).update(
            status=to_status, updated_at=now
        )
        if not moved:
            raise ReferralRefused(
                _("Someone else changed this referral meanwhile. Look again and retry.")
            )
        referral.status, referral.updated_at = to_status, now
        _write(
            [
                _disclosure(
                    referral,
                    referral.feedback.reference,
                    DisclosureKind.STATUS,
                    ["referrals.status"],
                    viewer,
                )
            ]
        )
    return referral


def do_answer_referral(viewer: Viewer, referral_id: object, text: str) -> Referral:
    """A partner user's answer to the referral, sealed under the project key (it
    replaces their previous answer; each is in the audit trail and the log)."""
    referral = access_referral(viewer, referral_id, write=True)
    text = text.strip()
    if not text:
        raise ReferralRefused(_("An answer can't be empty."))
    if len(text) > TEXT_MAX_LENGTH:
        raise ReferralRefused(
            _("An answer can be %(n)d characters at most.") % {"n": TEXT_MAX_LENGTH}
        )
    now = timezone.now()
    referral.answer = text
    referral.answered_at = referral.updated_at = now
    with transaction.atomic():
        referral.save(update_fields=["answer", "answered_at", "updated_at"])
        _write(
            [
                _disclosure(
                    referral,
                    referral.feedback.reference,
                    DisclosureKind.ANSWERED,
                    ["referrals.answer"],
                    viewer,
                )
            ]
        )
    return referral


__all__ = [
    "ReferralRefused",
    "consent_to_share",
    "do_answer_referral",
    "do_list_referrals",
    "do_refer_feedback",
    "do_update_referral_status",
    "do_view_referral",
]
