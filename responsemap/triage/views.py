from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from responsemap.accounts.reauth import check_password, recently_authenticated
from responsemap.lib.pager import pager
from responsemap.projects.layout import layout
from responsemap.projects.queries import access_project
from responsemap.protection.audit import events_for_object, record_event, with_details
from responsemap.protection.listing import record_listing
from responsemap.protection.present import Presented, present, present_many
from responsemap.protection.viewer import Viewer
from responsemap.triage.actions import (
    NewFeedback,
    WorkflowRefused,
    assignable_members,
    do_add_note,
    do_assign,
    do_change_status,
    do_create_feedback,
    do_view_feedback,
)
from responsemap.triage.choices import Sensitivity, Source
from responsemap.triage.coding.history import recode_words
from responsemap.triage.coding.views import coding_context
from responsemap.triage.consent.views import consent_context
from responsemap.triage.duplicates.cards import record_cards
from responsemap.triage.forms import (
    HotlineForm,
    RevealForm,
    format_duration,
    language_name,
)

# The inbox's filters' names (triage.inbox), kept here for the listing event's words.
from responsemap.triage.inbox.views import FILTER_NAMES, INBOX_FILTERS  # noqa: F401
from responsemap.triage.models import Feedback
from responsemap.triage.queries import access_feedback, notes_on
from responsemap.triage.record_extras import record_extras
from responsemap.triage.referrals.views import referral_context
from responsemap.triage.replies.context import reply_context
from responsemap.triage.suggestions.views import suggestion_context
from responsemap.triage.teams.views import team_context
from responsemap.triage.workflow_forms import AssignForm, NoteForm, StatusForm

PAGE_SIZE = 25
AUDIT_PAGE_SIZE = 50


def _detail_context(
    request: HttpRequest,
    slug: str,
    feedback_id: str,
    reveal: tuple[str, ...] = (),
    reason: str = "",
) -> tuple[Feedback, Viewer, dict[str, Any]]:
    """The record (for the caller, never the template), its viewer, and what the
    detail page shows of it."""
    project, viewer = access_project(request.user, slug)
    record = access_feedback(viewer, feedback_id)
    shown = present(
        record,
        viewer,
        "feedback_detail",
        reveal=[f for f in reveal if f == "content"],
        reason=reason,
    )
    contact = _present_contact(record, viewer, "contact" in reveal, reason)
    # A reverse one-to-one raises an AttributeError subclass when there is no row.
    call_details = getattr(record, "call_details", None)
    call = present(call_details, viewer, "feedback_detail") if call_details else None
    return (
        record,
        viewer,
        {
            **layout(project, viewer),
            "shown": shown,
            "contact": contact,
            "call": call,
            "call_duration": _shown_duration(call),
            "reveal_form": RevealForm(),
            "needs_password": not recently_authenticated(request),
            "can_reveal_contact": bool(contact and contact.revealable),
            "encoding_fault": _encoding_fault(record),
            # The language by its name, never its code.
            "language": _language_of(shown),
            **_work_context(record, viewer),
            # Duplicates, rumour group, spam and verification cards.
            **record_cards(record, viewer),
            # Cards of apps to the right of triage (imports: a repeat row's submission).
            "extra_cards": record_extras(record, viewer),
        },
    )


def _work_context(record: Feedback, viewer: Viewer) -> dict[str, Any]:
    """The record's notes (newest first, through present()) and, for a role that may
    edit feedback, the forms of the "Work on this record" card."""
    context: dict[str, Any] = {"notes": present_many(notes_on(record), viewer, "feedback_detail")}
    if viewer.can("edit_feedback"):
        context["status_form"] = StatusForm(status=record.status)
        context["assign_form"] = AssignForm(
            members=assignable_members(record.project_id),
            initial={"assignee": record.assignee_id},
        )
        context["note_form"] = NoteForm()
    # Assignment to a team (issue 10, point 4): a form beside the assignee's.
    context |= team_context(record, viewer)
    # Replies and call-backs (issue 10, point 6): the record page's "Replies" card.
    context |= reply_context(record, viewer)
    # The coding framework (issue 10, point 1): the record page's "Coding" card.
    context |= coding_context(record, viewer)
    # Suggested codes (issue 11): the record page's "Suggested codes" card.
    context |= suggestion_context(record, viewer)
    # Referrals to partners (issue 10, point 8): the record page's "Referrals" card.
    context |= referral_context(record, viewer)
    # Consent per purpose (issue 13, point 5): the record page's "Consent" card.
    context |= consent_context(record, viewer)
    return context


def _language_of(shown: Presented) -> str:
    language = shown.get("language")
    if language is None or language.masked or not language.value:
        return ""
    return language_name(str(language.value))


def _encoding_fault(record: Feedback) -> bool:
    """Whether the message behind the record did not arrive in the encoding its gateway
    declared (a coded flag, no text): the page then says its text is a best guess."""
    message = record.inbound_message
    return bool(message is not None and message.meta.get("encoding_fault"))


CONTACT_FIELDS = ("phone", "name")


def _present_contact(
    record: Feedback, viewer: Viewer, reveal: bool, reason: str
) -> Presented | None:
    """The record's contact, its details revealed if asked. A reveal is on both trails:
    the contact's (``field.reveal``, written by ``present()``) and the record's it was
    revealed from (``feedback.reveal_contact``, naming ``contact.phone``…), one
    transaction."""
    if record.contact is None:
        return None
    if not reveal:
        return present(record.contact, viewer, "feedback_detail")
    with transaction.atomic():
        contact = present(
            record.contact, viewer, "feedback_detail", reveal=CONTACT_FIELDS, reason=reason
        )
        revealed = [f"contact.{name}" for name in CONTACT_FIELDS if not contact[name].masked]
        if revealed:
            record_event(
                "feedback.reveal_contact",
                project_id=record.project_id,
                actor=viewer,
                object_type="feedback",
                object_id=record.pk,
                fields=revealed,
                reason=reason,
                purpose="feedback_detail",
            )
    return contact


def _shown_duration(call: Presented | None) -> str:
    shown = call["duration_seconds"] if call is not None else None
    if shown is None or shown.masked or not isinstance(shown.value, int):
        return ""
    return format_duration(shown.value)


@login_required
def feedback_detail(request: HttpRequest, slug: str, feedback_id: str) -> HttpResponse:
    record, viewer, context = _detail_context(request, slug, feedback_id)
    do_view_feedback(record, viewer)
    return render(request, "triage/detail.html", context)


@login_required
@require_POST
def reveal(request: HttpRequest, slug: str, feedback_id: str) -> HttpResponse:
    _record, _viewer, context = _detail_context(request, slug, feedback_id)  # 404 first
    form = RevealForm(request.POST)
    form.fields["field"].choices = [("content", "content"), ("contact", "contact")]  # type: ignore[attr-defined]
    if not form.is_valid():
        context["reveal_form"] = form
        return render(request, "triage/detail.html", context, status=400)
    if not recently_authenticated(request) and not check_password(
        request, form.cleaned_data["password"]
    ):
        if not request.user.is_authenticated:
            return redirect("account_login")
        form.add_error("password", _("That password is not right."))
        context["reveal_form"] = form
        return render(request, "triage/detail.html", context, status=403)
    try:
        _record, _viewer, context = _detail_context(
            request,
            slug,
            feedback_id,
            reveal=(form.cleaned_data["field"],),
            reason=form.cleaned_data["reason"],
        )
    except PermissionDenied:
        messages.error(request, _("Your role may not reveal this field."))
        return redirect("triage:detail", slug=slug, feedback_id=feedback_id)
    context["revealed"] = True
    response = render(request, "triage/detail.html", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
def audit_trail(request: HttpRequest, slug: str, feedback_id: str) -> HttpResponse:
    project, viewer = access_project(request.user, slug)
    record = access_feedback(viewer, feedback_id)
    if not viewer.can("view_audit"):
        raise Http404
    shown = present(record, viewer, "audit_trail")
    newest_first = events_for_object("feedback", record.pk).order_by("-created_at", "-seq")
    page = Paginator(newest_first, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    events = present_many(with_details(page.object_list), viewer, "audit_trail")
    # Looking at a trail is itself logged, naming the record and the events shown.
    record_listing(viewer, "auditevent", [shown, *events], purpose="audit_trail")
    return render(
        request,
        "triage/audit.html",
        {
            **layout(project, viewer),
            "shown": shown,
            "events": events,
            "pager": pager(page),
            # Re-codings' previous → new codes in words (triage.coding.history).
            "recode_words": recode_words(page.object_list),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def hotline_entry(request: HttpRequest, slug: str) -> HttpResponse:
    project, viewer = access_project(request.user, slug)
    if not viewer.can("enter_feedback"):
        raise Http404
    form = HotlineForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        feedback = do_create_feedback(
            project,
            NewFeedback(
                source=Source.HOTLINE,
                content=data["content"],
                phone=data["phone"],
                language=data["language"],
                area=data["area"],
                type_code=data["type_code"],
                sector=data["sector"],
                urgency=data["urgency"],
                gender=data["gender"],
                age_band=data["age_band"],
                disability=data["disability"],
                displacement=data["displacement"],
                sensitivity=Sensitivity.SENSITIVE if data["sensitive"] else Sensitivity.NORMAL,
                consent_given=form.consent_given,
                # The kind, each purpose's answer and the notice read out (if asked).
                consent_answers=None if form.consent_given is None else form.call_consent(),
                call=form.call_info(),
            ),
            viewer,
        )
        messages.success(
            request,
            _("Call saved. Reference %(reference)s — read it to the caller.")
            % {"reference": feedback.reference},
        )
        return redirect("triage:hotline", slug=slug)
    # The notices the operator reads out, one per language (public text).
    notices = [
        {"label": notice.label, "language": language_name(notice.language), "shown": shown}
        for notice, shown in zip(
            form.notices, present_many(form.notices, viewer, "hotline_entry"), strict=True
        )
    ]
    return render(
        request,
        "triage/hotline.html",
        {**layout(project, viewer), "form": form, "notices": notices},
    )


def _work_on(request: HttpRequest, slug: str, feedback_id: str, act: Any) -> HttpResponse:
    """A POST of the "Work on this record" card: ``act(viewer, record)`` runs the action
    (a refusal in words is shown on the record page), then back to the page (PRG)."""
    project, viewer = access_project(request.user, slug)
    record = access_feedback(viewer, feedback_id, write=True)  # 404 before anything else
    try:
        error = act(viewer, record)
    except WorkflowRefused as refusal:
        error = str(refusal)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Saved."))
    return redirect("triage:detail", slug=project.slug, feedback_id=record.pk)


def _form_errors(form: Any) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@login_required
@require_POST
def change_status(request: HttpRequest, slug: str, feedback_id: str) -> HttpResponse:
    def act(viewer: Viewer, record: Feedback) -> str:
        # The moves offered from the status the page showed; the action refuses if the
        # record is no longer in it (someone else moved it meanwhile).
        seen = str(request.POST.get("from_status") or record.status)
        form = StatusForm(request.POST, status=seen)
        if not form.is_valid():
            return _("That status change is not possible: ") + _form_errors(form)
        do_change_status(
            viewer,
            record.pk,
            form.cleaned_data["to_status"],
            reason=form.cleaned_data["why"],
            expected=form.cleaned_data["from_status"] or None,
        )
        return ""

    return _work_on(request, slug, feedback_id, act)


@login_required
@require_POST
def assign(request: HttpRequest, slug: str, feedback_id: str) -> HttpResponse:
    def act(viewer: Viewer, record: Feedback) -> str:
        form = AssignForm(request.POST, members=assignable_members(record.project_id))
        if not form.is_valid():
            return _("That person can't be assigned: ") + _form_errors(form)
        do_assign(viewer, record.pk, form.cleaned_data["assignee"])
        return ""

    return _work_on(request, slug, feedback_id, act)


@login_required
@require_POST
def add_note(request: HttpRequest, slug: str, feedback_id: str) -> HttpResponse:
    def act(viewer: Viewer, record: Feedback) -> str:
        form = NoteForm(request.POST)
        if not form.is_valid():
            return _("The note was not saved: ") + _form_errors(form)
        do_add_note(viewer, record.pk, form.cleaned_data["text"])
        return ""

    return _work_on(request, slug, feedback_id, act)
