"""The record page's consent card (``consent_context``, included by
``triage/detail.html``): what the person behind the record agreed to, purpose by
purpose, through present(); and, for a role that may edit the record, the form that
records a new consent or a withdrawal for one purpose (``do_record_consent_on_record``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from responsemap.intake.contacts.consent import has_withdrawn, latest_consent, says_yes
from responsemap.intake.contacts.consent_answers import DETAIL_OF_KIND
from responsemap.intake.contacts.consent_forms import notice_words
from responsemap.intake.contacts.models import ConsentRecord
from responsemap.projects.queries import access_project
from responsemap.protection.listing import record_listing
from responsemap.protection.present import Presented, present_many
from responsemap.protection.viewer import Viewer
from responsemap.triage.consent.actions import ConsentRefused, do_record_consent_on_record
from responsemap.triage.consent.forms import PurposeConsentForm
from responsemap.triage.consent.queries import latest_consents
from responsemap.triage.models import Feedback
from responsemap.triage.queries import access_feedback

# The newest first; a person with more has them all in the data request's export.
SHOWN_CONSENTS = 20


def consent_context(record: Feedback, viewer: Viewer) -> dict[str, Any]:
    """The consent card of a record with a contact: each purpose's standing answer and
    the latest records (sealed witness, recording and guardian masked as present() says;
    the look is logged as a listing); the form, for a role that may edit the record."""
    contact = record.contact
    if contact is None or not viewer.can("view_feedback"):
        return {}
    records = latest_consents(contact, SHOWN_CONSENTS)
    shown = present_many(records, viewer, "feedback_detail")
    record_listing(viewer, "consentrecord", shown, purpose="feedback_detail")
    labels = dict(ConsentRecord.Purpose.choices)
    withdrawn = has_withdrawn(contact)
    standing = [
        {
            "label": label,
            "answer": _standing(withdrawn, latest_consent(contact.pk, purpose)),
        }
        for purpose, label in ConsentRecord.Purpose.choices
    ]
    context: dict[str, Any] = {
        "consents": [
            {
                "shown": consent,
                # The purposes in words, and the one sealed detail its kind has.
                "purposes": [labels.get(str(code), str(code)) for code in _codes(consent)],
                "detail": consent.get(DETAIL_OF_KIND.get(consent["method"].code or "", "")),
                "notice": notice_words(str(consent["notice_version"].value or "")),
            }
            for consent in shown
        ],
        "consent_standing": standing,
        "consent_all_withdrawn": withdrawn,
    }
    if viewer.can("edit_feedback") and not withdrawn:
        form = PurposeConsentForm(
            project=record.project, initial={"answer": "agree"}, auto_id="consent_%s"
        )
        context |= {"consent_form": form, "consent_has_notices": bool(form.notices)}
    return context


def _codes(consent: Presented) -> list[object]:
    value = consent["purposes"].value
    return list(value) if isinstance(value, (list, tuple)) else []


def _standing(withdrawn: bool, consent: ConsentRecord | None) -> str:
    """Where a purpose stands, in words: "yes", "no" or "not asked" (the template's)."""
    if withdrawn:
        return "no"
    if consent is None:
        return "not_asked"
    return "yes" if says_yes(consent) else "no"


@login_required
@require_POST
def record_consent(request: HttpRequest, slug: str, feedback_id: str) -> HttpResponse:
    project, viewer = access_project(request.user, slug)
    record = access_feedback(viewer, feedback_id, write=True)  # 404 before anything else
    form = PurposeConsentForm(request.POST, project=project, auto_id="consent_%s")
    if not form.is_valid():
        errors = " ".join(str(e) for errors in form.errors.values() for e in errors)
        messages.error(request, _("The consent was not recorded: ") + errors)
    else:
        try:
            do_record_consent_on_record(viewer, record.pk, form.purpose_answer())
        except ConsentRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, _("Consent recorded."))
    page = reverse("triage:detail", kwargs={"slug": project.slug, "feedback_id": record.pk})
    return redirect(f"{page}#consent")
