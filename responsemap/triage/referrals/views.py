"""Screens of referrals: a manager's partners and agreements with each agreement's
disclosure log; the referral card of a record (staff); a partner user's queue and
referral page. Every screen gets ``present()``'s results only."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from responsemap.lib.pager import pager
from responsemap.projects.layout import layout
from responsemap.projects.queries import access_project
from responsemap.projects.sharing.actions import (
    AgreementTerms,
    NewAgreement,
    SharingRefused,
    do_create_agreement,
    do_create_partner,
    do_edit_agreement,
    do_link_partner_user,
    do_revoke_agreement,
)
from responsemap.projects.sharing.models import (
    AGREEMENT_TERMS,
    AgreementVersion,
    DataSharingAgreement,
    Partner,
    version_at,
)
from responsemap.projects.sharing.queries import (
    access_agreement,
    agreements_visible_to,
    partner_members,
    partner_of,
    partners_visible_to,
    versions_by_agreement,
    versions_of,
)
from responsemap.protection.listing import record_listing
from responsemap.protection.present import Presented, present, present_many
from responsemap.protection.viewer import Viewer
from responsemap.triage.coding.framework import framework_for
from responsemap.triage.coding.models import Kind
from responsemap.triage.models import Feedback, normalise_reference
from responsemap.triage.queries import access_feedback
from responsemap.triage.referrals.actions import (
    ReferralRefused,
    do_answer_referral,
    do_list_referrals,
    do_refer_feedback,
    do_update_referral_status,
    do_view_referral,
)
from responsemap.triage.referrals.catalogue import field_words
from responsemap.triage.referrals.forms import (
    AgreementEditForm,
    AgreementForm,
    AnswerForm,
    LinkUserForm,
    LogFilterForm,
    PartnerForm,
    QueueFilterForm,
    ReferForm,
    ReferralStatusForm,
    RevokeForm,
)
from responsemap.triage.referrals.models import Referral
from responsemap.triage.referrals.queries import (
    access_referral,
    agreements_for_referral,
    disclosures_of,
    partner_lens,
    referral_visible_to,
    referrals_of,
    referred_under,
    today,
)

PAGE_SIZE = 25
LOG_PAGE_SIZE = 50


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- a manager's partners and agreements ---------------------------------------------


def _manager(request: HttpRequest, slug: str) -> tuple[Any, Viewer]:
    project, viewer = access_project(request.user, slug)
    if not viewer.can("manage_project"):
        raise Http404
    return project, viewer


def _partner_choices(viewer: Viewer) -> list[tuple[str, str]]:
    return [(str(p.pk), p.name) for p in partners_visible_to(viewer)]


@login_required
def sharing_index(request: HttpRequest, slug: str) -> HttpResponse:
    project, viewer = _manager(request, slug)
    return render(request, "triage/referrals/sharing.html", _sharing_context(project, viewer))


def _sharing_context(project: Any, viewer: Viewer, **forms: Any) -> dict[str, Any]:
    partners = list(partners_visible_to(viewer))
    agreements = list(agreements_visible_to(viewer))
    day = today()
    choices = [(str(p.pk), p.name) for p in partners]
    return {
        **layout(project, viewer),
        "partners": present_many(partners, viewer, "sharing"),
        "agreements": [
            {
                "shown": shown,
                "active": agreement.is_active_on(day),
                "fields": field_words(agreement.fields_allowed),
            }
            for agreement, shown in zip(
                agreements, present_many(agreements, viewer, "sharing"), strict=True
            )
        ],
        "partner_form": forms.get("partner_form") or PartnerForm(),
        "link_form": forms.get("link_form")
        or LinkUserForm(partners=choices, members=partner_members(project.pk)),
        "agreement_form": forms.get("agreement_form")
        or AgreementForm(partners=choices, project_id=project.pk),
        "revoke_form": RevokeForm(),
    }


def _sharing_post(
    request: HttpRequest, slug: str, form_name: str, form: Any, act: Any
) -> HttpResponse:
    project, viewer = _manager(request, slug)
    if form.is_valid():
        try:
            act(viewer, form.cleaned_data)
        except SharingRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, _("Saved."))
            return redirect("triage:sharing", slug=project.slug)
    context = _sharing_context(project, viewer, **{form_name: form})
    return render(request, "triage/referrals/sharing.html", context, status=400)


@login_required
@require_POST
def partner_create(request: HttpRequest, slug: str) -> HttpResponse:
    _manager(request, slug)  # 404 before anything else
    return _sharing_post(
        request,
        slug,
        "partner_form",
        PartnerForm(request.POST),
        lambda viewer, data: do_create_partner(viewer, data["name"]),
    )


@login_required
@require_POST
def partner_link(request: HttpRequest, slug: str) -> HttpResponse:
    project, viewer = _manager(request, slug)
    form = LinkUserForm(
        request.POST, partners=_partner_choices(viewer), members=partner_members(project.pk)
    )
    return _sharing_post(
        request,
        slug,
        "link_form",
        form,
        lambda viewer, data: do_link_partner_user(viewer, data["partner"], data["user"]),
    )


@login_required
@require_POST
def agreement_create(request: HttpRequest, slug: str) -> HttpResponse:
    project, viewer = _manager(request, slug)
    form = AgreementForm(request.POST, partners=_partner_choices(viewer), project_id=project.pk)

    def act(viewer: Viewer, data: dict[str, Any]) -> None:
        do_create_agreement(
            viewer,
            NewAgreement(
                partner_id=data["partner"],
                purpose=data["purpose"],
                document_reference=data["document_reference"],
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
                fields_allowed=data["fields_allowed"],
                types_allowed=data["types_allowed"],
                sectors_allowed=data["sectors_allowed"],
            ),
        )

    return _sharing_post(request, slug, "agreement_form", form, act)


@login_required
@require_POST
def agreement_revoke(request: HttpRequest, slug: str, agreement_id: str) -> HttpResponse:
    project, viewer = _manager(request, slug)
    agreement = access_agreement(viewer, agreement_id)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the agreement is revoked."))
    else:
        try:
            do_revoke_agreement(viewer, agreement.pk, form.cleaned_data["reason"])
        except SharingRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, _("The agreement is revoked: its partner sees nothing more."))
    return redirect("triage:sharing", slug=project.slug)


def _edit_form(agreement: DataSharingAgreement, data: Any = None) -> AgreementEditForm:
    current = {name: getattr(agreement, name) for name in AGREEMENT_TERMS}
    return AgreementEditForm(
        data,
        project_id=agreement.project_id,
        current=current,
        initial={**current, "version": agreement.version},
    )


def _agreement_page(
    request: HttpRequest,
    project: Any,
    viewer: Viewer,
    agreement: DataSharingAgreement,
    form: AgreementEditForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """An agreement's page: its terms in force, the form to change them, and every
    version with who changed it, when and why (the reasons shown are listed, audited)."""
    versions = versions_of(agreement)
    shown = present_many(versions, viewer, "sharing")
    record_listing(viewer, "agreementversion", shown, purpose="sharing")
    framework = framework_for(str(project.pk))

    def words(kind: str, codes: object) -> str:
        if not isinstance(codes, list | tuple):
            return ""
        return ", ".join(framework.label(kind, str(code)) for code in codes)

    return render(
        request,
        "triage/referrals/agreement.html",
        {
            **layout(project, viewer),
            "agreement": present(agreement, viewer, "sharing"),
            "active": agreement.is_active_on(today()),
            "count": len(versions),
            "versions": [
                {
                    "shown": item,
                    "fields": field_words(version.fields_allowed),
                    "types": words(Kind.TYPE, version.types_allowed),
                    "sectors": words(Kind.SECTOR, version.sectors_allowed),
                    "current": version.number == agreement.version,
                }
                for version, item in zip(versions, shown, strict=True)
            ],
            "form": None if agreement.revoked_at is not None else form or _edit_form(agreement),
        },
        status=status,
    )


@login_required
def agreement_detail(request: HttpRequest, slug: str, agreement_id: str) -> HttpResponse:
    project, viewer = _manager(request, slug)
    agreement = access_agreement(viewer, agreement_id)
    return _agreement_page(request, project, viewer, agreement)


@login_required
@require_POST
def agreement_edit(request: HttpRequest, slug: str, agreement_id: str) -> HttpResponse:
    project, viewer = _manager(request, slug)
    agreement = access_agreement(viewer, agreement_id)
    form = _edit_form(agreement, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            version = do_edit_agreement(
                viewer,
                agreement.pk,
                AgreementTerms(**{name: data[name] for name in AGREEMENT_TERMS}),
                data["reason"],
                expected_version=data["version"],
            )
        except SharingRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(
                request,
                _("Saved as version %(n)d: in force from now on.") % {"n": version.number},
            )
            return redirect("triage:agreement", slug=project.slug, agreement_id=agreement.pk)
    return _agreement_page(request, project, viewer, agreement, form, status=400)


@login_required
def disclosure_log(request: HttpRequest, slug: str, agreement_id: str) -> HttpResponse:
    project, viewer = _manager(request, slug)
    agreement = access_agreement(viewer, agreement_id)
    rows = disclosures_of(agreement)
    form = LogFilterForm(request.GET or None)
    if form.is_valid():
        if form.cleaned_data["q"]:
            rows = rows.filter(reference=normalise_reference(form.cleaned_data["q"]))
        if form.cleaned_data["kind"]:
            rows = rows.filter(kind=form.cleaned_data["kind"])
    page = Paginator(rows, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    lines = list(page.object_list)
    shown = present_many(lines, viewer, "disclosure_log")
    # Under which version each line was shared: the one in force at its moment (a
    # referral and an edit lock the agreement's row, so they never overlap).
    edited = agreement.version > 1
    versions = versions_by_agreement([agreement.pk]).get(agreement.pk, []) if edited else []
    # Reading the log is itself logged, like an audit trail.
    used = [name for name in ("q", "kind") if form.is_valid() and form.cleaned_data[name]]
    record_listing(viewer, "disclosure", shown, purpose="disclosure_log", filters=used)
    return render(
        request,
        "triage/referrals/log.html",
        {
            **layout(project, viewer),
            "agreement": present(agreement, viewer, "disclosure_log"),
            "lines": [
                {
                    "shown": item,
                    "fields": field_words(line.fields),
                    "version": getattr(version_at(versions, line.at), "number", 1),
                }
                for line, item in zip(lines, shown, strict=True)
            ],
            "form": form,
            "pager": pager(page),
            "query": _query_without_page(request),
        },
    )


# --- the referral card of a record (staff) -------------------------------------------


def referral_context(record: Feedback, viewer: Viewer) -> dict[str, Any]:
    """What the record page shows of its referrals, and the form to refer it (for a
    role that may edit it, when an agreement in force covers it)."""
    context: dict[str, Any] = {
        "referrals": present_many(referrals_of(record), viewer, "feedback_detail")
    }
    if viewer.can("edit_feedback"):
        choices = [(str(a.pk), str(a)) for a in agreements_for_referral(viewer, record)]
        context["refer_form"] = (
            ReferForm(agreements=choices, initial={"from_status": record.status})
            if choices
            else None
        )
    return context


@login_required
@require_POST
def refer(request: HttpRequest, slug: str, feedback_id: str) -> HttpResponse:
    project, viewer = access_project(request.user, slug)
    record = access_feedback(viewer, feedback_id, write=True)  # 404 before anything else
    choices = [(str(a.pk), str(a)) for a in agreements_for_referral(viewer, record)]
    form = ReferForm(request.POST, agreements=choices)
    if not form.is_valid():
        messages.error(request, _("The referral was not made: choose an agreement in force."))
    else:
        data = form.cleaned_data
        try:
            do_refer_feedback(
                viewer,
                record.pk,
                data["agreement"],
                data["note"],
                consent_confirmed=data["consent_confirmed"],
                expected=data["from_status"] or None,
            )
        except ReferralRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, _("Referred."))
    return redirect("triage:detail", slug=project.slug, feedback_id=record.pk)


# --- a partner user's queue ----------------------------------------------------------


def _partner(request: HttpRequest, slug: str) -> tuple[Any, Viewer, Partner]:
    project, viewer = access_project(request.user, slug)
    partner = partner_of(viewer)
    if partner is None:
        raise Http404
    return project, viewer, partner


def _shown_records(
    viewer: Viewer,
    referrals: list[Referral],
    purpose: str,
    versions: dict[object, AgreementVersion | None],
) -> list[Presented]:
    """Each referral's record as its agreement lets the partner see it (the version in
    force now, within the one it was referred under, ``versions``): one ``present_many``
    per agreement and version on the page (the original message's reveals, where
    allowed, audited together)."""
    shown: dict[object, Presented] = {}
    groups: dict[tuple[object, int | None], list[Referral]] = {}
    for referral in referrals:
        version = versions.get(referral.pk)
        key = (referral.agreement_id, version.number if version else None)
        groups.setdefault(key, []).append(referral)
    for group in groups.values():
        lens = partner_lens(viewer, group[0].agreement, versions.get(group[0].pk))
        records = present_many(
            [r.feedback for r in group],
            lens.viewer,
            purpose,
            only=lens.only,
            reveal=lens.reveal,
            reason=lens.reason,
        )
        shown.update({r.pk: record for r, record in zip(group, records, strict=True)})
    return [shown[r.pk] for r in referrals]


@login_required
def partner_queue(request: HttpRequest, slug: str) -> HttpResponse:
    project, viewer, partner = _partner(request, slug)
    rows = referral_visible_to(viewer).select_related(
        "feedback", "feedback__area", "agreement", "agreement__partner"
    )
    form = QueueFilterForm(request.GET or None)
    if form.is_valid():
        if form.cleaned_data["q"]:
            rows = rows.filter(feedback__reference=normalise_reference(form.cleaned_data["q"]))
        if form.cleaned_data["status"]:
            rows = rows.filter(status=form.cleaned_data["status"])
    page = Paginator(rows.order_by("-referred_at", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    referrals = list(page.object_list)
    versions = referred_under(referrals)
    items = [
        {"referral": shown, "record": record}
        for shown, record in zip(
            present_many(referrals, viewer, "partner_queue"),
            _shown_records(viewer, referrals, "partner_queue", versions),
            strict=True,
        )
    ]
    do_list_referrals(viewer, referrals, versions)
    return render(
        request,
        "triage/referrals/queue.html",
        {
            **layout(project, viewer),
            "partner": present(partner, viewer, "partner_queue"),
            "items": items,
            "form": form,
            "pager": pager(page),
            "query": _query_without_page(request),
        },
    )


def _referral_page(
    request: HttpRequest, project: Any, viewer: Viewer, referral: Any, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "triage/referrals/referral.html",
        {
            **layout(project, viewer),
            "referral": present(referral, viewer, "partner_referral"),
            "record": _shown_records(
                viewer, [referral], "partner_referral", referred_under([referral])
            )[0],
            "status_form": ReferralStatusForm(
                status=referral.status, initial={"from_status": referral.status}
            ),
            "answer_form": AnswerForm(),
        },
        status=status,
    )


@login_required
def partner_referral(request: HttpRequest, slug: str, referral_id: str) -> HttpResponse:
    project, viewer, _partner_row = _partner(request, slug)
    referral = access_referral(viewer, referral_id)
    response = _referral_page(request, project, viewer, referral)
    do_view_referral(viewer, referral)
    return response


@login_required
@require_POST
def partner_status(request: HttpRequest, slug: str, referral_id: str) -> HttpResponse:
    project, viewer, _partner_row = _partner(request, slug)
    referral = access_referral(viewer, referral_id, write=True)
    seen = str(request.POST.get("from_status") or referral.status)
    form = ReferralStatusForm(request.POST, status=seen)
    if not form.is_valid():
        messages.error(request, _("That status change is not possible."))
    else:
        try:
            do_update_referral_status(
                viewer, referral.pk, form.cleaned_data["to_status"], expected=seen
            )
        except ReferralRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, _("Saved."))
    return redirect("triage:partner_referral", slug=project.slug, referral_id=referral.pk)


@login_required
@require_POST
def partner_answer(request: HttpRequest, slug: str, referral_id: str) -> HttpResponse:
    project, viewer, _partner_row = _partner(request, slug)
    referral = access_referral(viewer, referral_id, write=True)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The answer was not saved: it can't be empty."))
    else:
        try:
            do_answer_referral(viewer, referral.pk, form.cleaned_data["text"])
        except ReferralRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, _("Answer sent."))
    return redirect("triage:partner_referral", slug=project.slug, referral_id=referral.pk)
