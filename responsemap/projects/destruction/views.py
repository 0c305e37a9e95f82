"""The destruction screens (organisation and system admins): their organisations'
projects with retention and holds, a project's legal holds (place, lift), and a
destroyed project's certificate. Anyone else gets a 404."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from responsemap.lib import clock
from responsemap.lib.pager import pager
from responsemap.projects.destruction.actions import (
    Approval,
    DestructionRefused,
    do_destroy_project,
    do_lift_legal_hold,
    do_place_legal_hold,
)
from responsemap.projects.destruction.certificate import certificate_of
from responsemap.projects.destruction.forms import (
    DestroyForm,
    LegalHoldForm,
    LiftHoldForm,
    ProjectsFilterForm,
)
from responsemap.projects.destruction.models import DestructionRun
from responsemap.projects.destruction.queries import (
    access_destruction_project,
    access_hold,
    destruction_projects_visible_to,
    hold_owners_for,
    holds_of,
    organisations_administered_by,
    retention_ends,
    run_of,
    standing_hold,
    standing_holds,
    totals_left_by,
)
from responsemap.projects.destruction.task_rows import LABEL as TASK_ROWS
from responsemap.projects.models import Project
from responsemap.protection.present import PUBLIC, present_many
from responsemap.protection.viewer import Viewer

PAGE_SIZE = 25
Status = Project.Status


def _filtered(request: HttpRequest, form: ProjectsFilterForm) -> QuerySet[Project]:
    projects = destruction_projects_visible_to(request.user)
    status = ""
    if form.is_valid():
        status = form.cleaned_data["status"]
        if form.cleaned_data["q"].strip():
            projects = projects.filter(name__icontains=form.cleaned_data["q"].strip())
    if status == "":
        projects = projects.filter(status__in=[Status.CLOSED, Status.DESTROYED])
    elif status != "all":
        projects = projects.filter(status=status)
    return projects


@login_required
def projects(request: HttpRequest) -> HttpResponse:
    """Their organisations' projects: closed on, kept until, a hold, the certificate."""
    if not organisations_administered_by(request.user).exists():
        raise Http404
    form = ProjectsFilterForm(request.GET or None)
    page = Paginator(_filtered(request, form), PAGE_SIZE).get_page(request.GET.get("page"))
    listed = list(page.object_list)
    shown = present_many(listed, PUBLIC, "destruction")
    holds = standing_holds([p.pk for p in listed])
    rows = [
        {
            "project": s,
            "status": p.status,
            "status_label": p.get_status_display(),
            "closed_at": p.closed_at,
            "retention_ends": retention_ends(p),
            "hold_until": hold.expires_on if (hold := holds.get(p.pk)) else None,
        }
        for p, s in zip(listed, shown, strict=True)
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "destruction/projects.html",
        {"form": form, "rows": rows, "pager": pager(page), "query": query.urlencode()},
    )


def _hold_rows(project: Project, viewer: Viewer) -> list[dict[str, Any]]:
    holds = list(holds_of(project.pk))
    if project.status == Status.DESTROYED:
        holds = []  # their reasons went with the key
    shown = present_many(holds, viewer, "legal_holds")
    today = clock.now().date()
    return [
        {
            "id": str(h.pk),
            "hold": s,
            "owner": h.owner.get_username() if h.owner else "—",
            "placed_by": h.placed_by.get_username() if h.placed_by else "—",
            "lifted_by": h.lifted_by.get_username() if h.lifted_by else "",
            "standing": h.lifted_at is None and h.expires_on >= today,
        }
        for h, s in zip(holds, shown, strict=True)
    ]


def _project_page(
    request: HttpRequest,
    project: Project,
    viewer: Viewer,
    hold_form: LegalHoldForm | None = None,
    destroy_form: DestroyForm | None = None,
) -> HttpResponse:
    run = run_of(project.pk)
    hold = standing_hold(project.pk) if project.status == Status.CLOSED else None
    owners = hold_owners_for(project, request.user)
    return render(
        request,
        "destruction/project.html",
        {
            "subject": present_many([project], PUBLIC, "destruction")[0],
            "slug": project.slug,
            "status": project.status,
            "status_label": project.get_status_display(),
            "closed_at": project.closed_at,
            "retention_days": project.retention_days,
            "retention_ends": retention_ends(project),
            "holds": _hold_rows(project, viewer),
            "hold_form": hold_form or LegalHoldForm(owners=owners),
            "lift_form": LiftHoldForm(),
            "may_destroy": project.status == Status.CLOSED and hold is None,
            "held_until": hold.expires_on if hold else None,
            "destroy_form": destroy_form or DestroyForm(slug=project.slug),
            "may_hold": project.status != Status.DESTROYED,
            "run_step": run.get_step_display() if run else "",
            "has_certificate": run is not None and run.step == DestructionRun.Step.DONE,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def project(request: HttpRequest, slug: str) -> HttpResponse:
    """A project's retention and legal holds; POST places a hold."""
    target, viewer = access_destruction_project(request.user, slug)
    owners = hold_owners_for(target, request.user)
    form = LegalHoldForm(request.POST if request.method == "POST" else None, owners=owners)
    if request.method == "POST" and form.is_valid():
        try:
            do_place_legal_hold(
                target,
                actor=viewer,
                reason=form.cleaned_data["reason"],
                owner=form.cleaned_data["owner"],
                expires_on=form.cleaned_data["expires_on"],
            )
        except DestructionRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The legal hold is recorded: nothing destroys it now."))
            return redirect("destruction:project", slug=target.slug)
    status = 400 if request.method == "POST" else 200
    response = _project_page(request, target, viewer, hold_form=form)
    response.status_code = status
    return response


def _approver(user: Any) -> str:
    name = user.get_full_name().strip() if hasattr(user, "get_full_name") else ""
    username = str(user.get_username())
    return f"{name} ({username})" if name and name != username else username


@login_required
@require_POST
def destroy(request: HttpRequest, slug: str) -> HttpResponse:
    """Destroy a closed project now, whatever is left of its retention period: the
    signed-in admin's decision, confirmed by typing the short name; refused under a
    legal hold. The key goes in this request; the rest is a worker's task."""
    target, viewer = access_destruction_project(request.user, slug)
    form = DestroyForm(request.POST, slug=target.slug)
    if form.is_valid():
        try:
            do_destroy_project(
                target,
                approval=Approval.OPERATOR,
                approved_by=_approver(request.user),
                actor=viewer,
                reason=form.cleaned_data["reason"],
                in_background=True,
            )
        except DestructionRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _(
                    "The project's key is destroyed: nothing of it can be read any more. "
                    "Its records, audit trail and files are being removed; the certificate "
                    "appears here when that is done."
                ),
            )
            return redirect("destruction:project", slug=target.slug)
    target.refresh_from_db()
    response = _project_page(request, target, viewer, destroy_form=form)
    response.status_code = 400
    return response


@login_required
@require_POST
def lift_hold(request: HttpRequest, slug: str, hold_id: str) -> HttpResponse:
    target, viewer = access_destruction_project(request.user, slug)
    hold = access_hold(target, hold_id)
    form = LiftHoldForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the hold is lifted."))
        return HttpResponseRedirect(reverse("destruction:project", args=[target.slug]), status=303)
    try:
        lifted = do_lift_legal_hold(hold, actor=viewer, reason=form.cleaned_data["reason"])
    except DestructionRefused as exc:
        messages.error(request, str(exc))
    else:
        if lifted:
            messages.success(request, _("The legal hold is lifted."))
        else:
            messages.info(request, _("This hold was already lifted."))
    return redirect("destruction:project", slug=target.slug)


def kind_name(label: str) -> str:
    """A table's name in words (``triage.feedback`` -> "feedback records"): the model's
    plural name, or the label if the model is gone."""
    if label == TASK_ROWS:
        return _("task-queue rows")
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return label
    return str(model._meta.verbose_name_plural)


@login_required
def certificate(request: HttpRequest, slug: str) -> HttpResponse:
    """A destroyed project's certificate, read from the system audit chain."""
    target, _viewer = access_destruction_project(request.user, slug)
    found = certificate_of(target.pk)
    if found is None:
        raise Http404
    body = found.body
    rows = sorted((body.get("rows") or {}).items())
    aggregates = totals_left_by(target.pk)
    return render(
        request,
        "destruction/certificate.html",
        {
            "subject": present_many([target], PUBLIC, "destruction")[0],
            "slug": target.slug,
            "body": body,
            "key": body.get("key") or {},
            "key_destroyed_at": parse_datetime(str((body.get("key") or {}).get("destroyed_at"))),
            "chain": body.get("audit_chain") or {},
            "rows": [{"kind": kind_name(kind), "count": n} for kind, n in rows],
            "total_rows": sum(n for _k, n in rows),
            "issued_at": found.issued_at,
            "seq": found.seq,
            "hash": found.hash,
            "intact": found.intact,
            "aggregates": [
                {"kind": kind_name(a.kind), "month": a.month, "count": a.count}
                for a in aggregates.order_by("kind", "month")[:200]
            ],
        },
    )
