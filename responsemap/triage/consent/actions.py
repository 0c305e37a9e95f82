"""Recording a person's consent for one purpose from their record's page: "agreed on
the phone to follow-up surveys", or a withdrawal of one purpose (docs/data-subject-rights.md,
"Consent"). One transaction: the consent record (``consent.record``, on its own trail)
and ``feedback.consent_given`` / ``feedback.consent_refused`` on the record's trail,
naming the purpose.

A withdrawal makes a new record saying no for that purpose: the latest record naming a
purpose is the one every outbound path asks, so messages for it stop, queued ones
included (the send worker asks again before sending); the other purposes keep theirs.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from responsemap.intake.contacts.actions import do_record_consents
from responsemap.intake.contacts.consent import has_withdrawn
from responsemap.intake.contacts.consent_answers import ConsentAnswers, detail_missing_message
from responsemap.intake.contacts.models import ConsentRecord, Contact
from responsemap.protection.audit import record_event
from responsemap.protection.viewer import Viewer
from responsemap.triage.actions import WorkflowRefused
from responsemap.triage.queries import access_feedback


class ConsentRefused(WorkflowRefused):
    """A consent that can't be recorded here; its message says why, in words."""


def do_record_consent_on_record(
    viewer: Viewer, feedback_id: object, answers: ConsentAnswers
) -> list[ConsentRecord]:
    """Record ``answers`` (one purpose, usually) for the person behind a record the
    viewer may edit (``edit_feedback``; a protection case only for protection roles)."""
    record = access_feedback(viewer, feedback_id, write=True)  # 404 without edit_feedback
    contact = record.contact
    if contact is None:
        raise ConsentRefused(
            _("No contact details were kept for this person: there is no one to record it for.")
        )
    missing = answers.missing_detail()
    if missing:
        raise ConsentRefused(detail_missing_message(missing))
    if not answers.agreed and not answers.refused:
        raise ConsentRefused(_("Say for what."))
    with transaction.atomic():
        # Checked again on the locked row: an erasure or a withdrawal on request at the
        # same moment wins, and nothing is recorded for a person who is gone.
        locked = Contact.objects.select_for_update().filter(pk=contact.pk).first()
        if locked is None or has_withdrawn(locked):
            raise ConsentRefused(
                _(
                    "This person withdrew their consent on request, or was erased: nothing "
                    "may be recorded for them here."
                )
            )
        made = do_record_consents(record.project_id, answers.records(locked), actor=viewer)
        for consent in made:
            record_event(
                "feedback.consent_given" if consent.given else "feedback.consent_refused",
                project_id=record.project_id,
                actor=viewer,
                object_type="feedback",
                object_id=record.pk,
                fields=["consents"],
                purpose=",".join(consent.purposes),
            )
    return made
