"""The data-protection role's screens for data-subject requests: the list (searchable,
filterable, paged), opening a request (finding the person by phone number or reference
code), a request's page with its steps, and the export of what is held (a readable page
and a JSON download). Anyone else gets a 404 and nothing changes."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from responsemap.intake.contacts.models import Contact
from responsemap.intake.contacts.phones import InvalidPhone
from responsemap.lib.pager import pager
from responsemap.projects.layout import layout
from responsemap.projects.lifecycle.marks import mark_export
from responsemap.projects.models import Project
from responsemap.projects.queries import access_project
from responsemap.protection.listing import record_listing
from responsemap.protection.present import present, present_many
from responsemap.protection.viewer import Viewer
from responsemap.triage.models import normalise_reference
from responsemap.triage.rights import actions
from responsemap.triage.rights.export import as_json, subject_file
from responsemap.triage.rights.forms import (
    CloseForm,
    ConfirmForm,
    FilterForm,
    OpenRequestForm,
    RectifyContactForm,
    RectifyRecordForm,
)
from responsemap.triage.rights.models import RequestStatus, SubjectRequest
from responsemap.triage.rights.queries import (
    access_subject_request,
    find_by_phone,
    find_by_reference,
    may_handle,
    records_of,
    requests_visible_to,
)

PAGE_SIZE = 25


def _handler(request: HttpRequest, slug: str) -> tuple[Project, Viewer]:
    project, viewer = access_project(request.user, slug)
    if not may_handle(viewer):
        raise Http404
    return project, viewer


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@login_required
def request_list(request: HttpRequest, slug: str) -> HttpResponse:
    project, viewer = _handler(request, slug)
    rows = requests_visible_to(viewer).select_related("opened_by", "handled_by")
    form = FilterForm(request.GET or None)
    used: list[str] = []
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            rows = rows.filter(reference=normalise_reference(data["q"]))
        if data["status"]:
            rows = rows.filter(status=data["status"])
        if data["kind"]:
            rows = rows.filter(kind=data["kind"])
        if data["overdue"]:
            rows = rows.filter(status=RequestStatus.OPEN, due_at__lt=timezone.now())
        used = [name for name in ("q", "status", "kind", "overdue") if data[name]]
    page = Paginator(rows.order_by("-received_at", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    shown = present_many(list(page.object_list), viewer, "subject_requests")
    record_listing(viewer, "subjectrequest", shown, purpose="subject_requests", filters=used)
    now = timezone.now()
    return render(
        request,
        "triage/rights/list.html",
        {
            **layout(project, viewer),
            "rows": [
                {"shown": item, "overdue": r.status == RequestStatus.OPEN and r.due_at < now}
                for r, item in zip(page.object_list, shown, strict=True)
            ],
            "form": form,
            "pager": pager(page),
            "query": _query_without_page(request),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def open_request(request: HttpRequest, slug: str) -> HttpResponse:
    project, viewer = _handler(request, slug)
    languages = project.languages or ["en"]
    form = OpenRequestForm(
        request.POST or None,
        languages=languages,
        initial={"received_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        contact: Contact | None = None
        reference = ""
        try:
            if data["find_by"] == "phone":
                contact = find_by_phone(viewer, data["phone"], project.country)
            else:
                record, contact = find_by_reference(viewer, data["reference"])
                reference = record.reference if record else ""
        except InvalidPhone:
            form.add_error("phone", _("This is not a phone number."))
        if form.is_valid() and contact is None:
            form.add_error(
                None,
                _(
                    "No one of this project matches: check what you typed, "
                    "or the person was erased."
                ),
            )
        if form.is_valid():
            received = datetime.datetime.combine(
                data["received_on"], datetime.time(12), tzinfo=timezone.get_current_timezone()
            )
            try:
                made = actions.do_open_subject_request(
                    viewer,
                    actions.NewRequest(
                        kind=data["kind"],
                        contact=contact,
                        reference=reference,
                        language=data["language"],
                        note=data["note"],
                        received_at=received,
                        deadline_days=data["deadline_days"],
                    ),
                )
            except actions.RequestRefused as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Request opened."))
                return redirect("triage:rights_detail", slug=slug, request_id=made.pk)
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(
        request, "triage/rights/open.html", {**layout(project, viewer), "form": form}, status=status
    )


def _detail_context(
    project: Project, viewer: Viewer, subject: SubjectRequest, **forms: Any
) -> dict[str, Any]:
    languages = project.languages or ["en"]
    records = records_of(subject)
    shown_records = present_many(records, viewer, "subject_request") if records else []
    contact = subject.contact if subject.contact and subject.contact.erased_at is None else None
    return {
        **layout(project, viewer),
        "subject": present(subject, viewer, "subject_request"),
        "is_open": subject.status == RequestStatus.OPEN,
        "overdue": subject.status == RequestStatus.OPEN and subject.due_at < timezone.now(),
        "contact": present(contact, viewer, "subject_request") if contact else None,
        "records": shown_records,
        "contact_form": forms.get("contact_form") or RectifyContactForm(languages=languages),
        "record_form": forms.get("record_form")
        or RectifyRecordForm(records=[(r.id, str(r["reference"])) for r in shown_records]),
        "confirm_form": forms.get("confirm_form") or ConfirmForm(),
        "close_form": forms.get("close_form") or CloseForm(),
    }


@login_required
def request_detail(request: HttpRequest, slug: str, request_id: str) -> HttpResponse:
    project, viewer = _handler(request, slug)
    subject = access_subject_request(viewer, request_id)
    return render(request, "triage/rights/detail.html", _detail_context(project, viewer, subject))


def _refused(
    request: HttpRequest,
    project: Project,
    viewer: Viewer,
    subject: SubjectRequest,
    why: str,
    **forms: Any,
) -> HttpResponse:
    context = _detail_context(project, viewer, subject, **forms)
    context["refusal"] = why
    return render(request, "triage/rights/detail.html", context, status=400)


@login_required
@require_POST
def rectify(request: HttpRequest, slug: str, request_id: str) -> HttpResponse:
    project, viewer = _handler(request, slug)
    subject = access_subject_request(viewer, request_id)
    languages = project.languages or ["en"]
    try:
        if request.POST.get("step") == "record":
            records = [(str(r.pk), r.reference) for r in records_of(subject)]
            record_form = RectifyRecordForm(request.POST, records=records)
            if not record_form.is_valid():
                return _refused(
                    request, project, viewer, subject, _("Check the form."), record_form=record_form
                )
            actions.do_rectify_record_text(
                viewer,
                subject.pk,
                record_form.cleaned_data["feedback"],
                record_form.cleaned_data["text"],
            )
        else:
            contact_form = RectifyContactForm(request.POST, languages=languages)
            if not contact_form.is_valid():
                return _refused(
                    request,
                    project,
                    viewer,
                    subject,
                    _("Check the form."),
                    contact_form=contact_form,
                )
            data = contact_form.cleaned_data
            actions.do_rectify_contact(
                viewer,
                subject.pk,
                name=data["name"] or None,
                language=data["language"] or None,
                phone=data["phone"] or None,
                country=project.country,
            )
    except InvalidPhone:
        return _refused(request, project, viewer, subject, _("This is not a phone number."))
    except actions.RequestRefused as exc:
        return _refused(request, project, viewer, subject, str(exc))
    messages.success(request, _("Corrected."))
    return redirect("triage:rights_detail", slug=slug, request_id=subject.pk)


@login_required
@require_POST
def withdraw(request: HttpRequest, slug: str, request_id: str) -> HttpResponse:
    done = _("Consent withdrawn: nothing more is sent to or shared about them.")
    return _confirmed_step(request, slug, request_id, actions.do_withdraw_consent, done)


@login_required
@require_POST
def erase(request: HttpRequest, slug: str, request_id: str) -> HttpResponse:
    done = _("Erased. Their records now say “erased on request”.")
    return _confirmed_step(request, slug, request_id, actions.do_erase_subject, done)


def _confirmed_step(
    request: HttpRequest,
    slug: str,
    request_id: str,
    step: Callable[[Viewer, Any], object],
    done: str,
) -> HttpResponse:
    """A step that cannot be undone (withdraw, erase): only with the box ticked."""
    project, viewer = _handler(request, slug)
    subject = access_subject_request(viewer, request_id)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        return _refused(
            request, project, viewer, subject, _("Tick the box to confirm."), confirm_form=form
        )
    try:
        step(viewer, subject.pk)
    except actions.RequestRefused as exc:
        return _refused(request, project, viewer, subject, str(exc))
    messages.success(request, done)
    return redirect("triage:rights_detail", slug=slug, request_id=subject.pk)


@login_required
@require_POST
def close(request: HttpRequest, slug: str, request_id: str) -> HttpResponse:
    project, viewer = _handler(request, slug)
    subject = access_subject_request(viewer, request_id)
    form = CloseForm(request.POST)
    if not form.is_valid():
        return _refused(request, project, viewer, subject, _("Check the form."), close_form=form)
    try:
        actions.do_close_subject_request(viewer, subject.pk, form.cleaned_data["status"])
    except actions.RequestRefused as exc:
        return _refused(request, project, viewer, subject, str(exc))
    messages.success(request, _("Request closed."))
    return redirect("triage:rights_detail", slug=slug, request_id=subject.pk)


@login_required
def export(request: HttpRequest, slug: str, request_id: str) -> HttpResponse:
    """What is held about the person, in their language: a page, or JSON with
    ``?format=json`` (a download)."""
    project, viewer = _handler(request, slug)
    subject = access_subject_request(viewer, request_id)
    contact = subject.contact
    if contact is None or contact.erased_at is not None:
        raise Http404
    language = subject.language or contact.language or (project.languages or ["en"])[0]
    fmt = "json" if request.GET.get("format") == "json" else "page"
    sections = subject_file(viewer, contact, language)
    actions.do_record_export(viewer, subject.pk, fmt)
    if fmt == "json":
        body = json.dumps(
            as_json(sections, project=project.name, language=language),
            ensure_ascii=False,
            indent=2,
        )
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="subject-{str(subject.pk)[:8]}.json"'
        )
        mark_export(response, project)  # classification and purpose
    else:
        response = render(
            request,
            "triage/rights/export.html",
            {
                **layout(project, viewer),
                "subject": present(subject, viewer, "subject_request"),
                "sections": sections,
                "language": language,
            },
        )
    response["Cache-Control"] = "no-store"
    return response
