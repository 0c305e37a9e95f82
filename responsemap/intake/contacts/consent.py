"""Consent per purpose, and the one rule every outbound path asks.

A person agrees (or not) to each purpose on its own: being answered, follow-up surveys,
referral to partner organisations, publication in aggregate figures
(``ConsentRecord.Purpose``). For a purpose, the consent that counts is the latest record
naming it; a record that is refused or withdrawn says no. A person who withdrew consent
on request (``Contact.consent_withdrawn_at``, triage.rights) or was erased is sent
nothing and shared with no one, whatever their records say.

A contact with no consent record at all is not refused here: messages that arrived
before consent was recorded (an SMS's sender is told the notice and may answer STOP)
keep today's rule, the opt-out.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.utils.translation import gettext as _

from responsemap.intake.contacts.models import ConsentRecord, Contact

Purpose = ConsentRecord.Purpose


def has_withdrawn(contact: Contact) -> bool:
    """Withdrawn on request or erased: nothing more goes to them, for any purpose."""
    return contact.consent_withdrawn_at is not None or contact.erased_at is not None


def latest_consent(contact_id: uuid.UUID | None, purpose: str) -> ConsentRecord | None:
    """The latest consent record of the contact that names ``purpose``."""
    if contact_id is None:
        return None
    for consent in ConsentRecord.objects.filter(contact_id=contact_id).order_by(
        "-recorded_at", "-pk"
    ):
        if purpose in (consent.purposes or []):
            return consent
    return None


def says_yes(consent: ConsentRecord | None) -> bool:
    return consent is not None and consent.given and consent.withdrawn_at is None


def purpose_refusal(contact: Contact, purpose: str) -> str:
    """Why nothing may go to ``contact`` for ``purpose``, in words; "" if it may."""
    if has_withdrawn(contact):
        return _("This person withdrew their consent: nothing may be sent or shared.")
    consent = latest_consent(contact.pk, purpose)
    if consent is not None and not says_yes(consent):
        return _("This person did not agree to this: %(purpose)s.") % {
            "purpose": Purpose(purpose).label
        }
    return ""


def refusing_contacts(contact_ids: Iterable[uuid.UUID | None], purpose: str) -> set[uuid.UUID]:
    """Of ``contact_ids``, those whose latest consent record naming ``purpose`` says no
    (refused or withdrawn): ``purpose_refusal``'s rule for a batch, in one query. (Who
    withdrew on request or was erased is the caller's to check, on the contact row.)"""
    wanted = {contact_id for contact_id in contact_ids if contact_id is not None}
    if not wanted:
        return set()
    rows = (
        ConsentRecord.objects.filter(contact_id__in=wanted)
        .order_by("contact_id", "-recorded_at", "-pk")
        .values_list("contact_id", "given", "withdrawn_at", "purposes")
    )
    decided: dict[uuid.UUID, bool] = {}
    for contact_id, given, withdrawn_at, purposes in rows:
        if contact_id not in decided and purpose in (purposes or []):
            decided[contact_id] = bool(given) and withdrawn_at is None
    return {contact_id for contact_id, yes in decided.items() if not yes}
