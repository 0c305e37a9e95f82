"""Notifications (the person's own list: acknowledge, mark read) and the manager's
alert policy screen."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from responsemap.accounts.queries import role_choices
from responsemap.lib.pager import pager
from responsemap.projects.layout import layout
from responsemap.projects.queries import access_project
from responsemap.protection.present import present_many
from responsemap.triage.alerts.actions import (
    do_acknowledge_alert,
    do_read_notification,
    do_save_alert_policy,
)
from responsemap.triage.alerts.forms import PolicyForm
from responsemap.triage.alerts.models import Notification
from responsemap.triage.alerts.queries import notifications_for, policy_for, sms_status_of
from responsemap.triage.alerts.sms import sms_channel_choices
from responsemap.triage.coding.framework import framework_for
from responsemap.triage.coding.models import Kind
from responsemap.triage.models import normalise_reference
from responsemap.triage.queries import feedback_visible_to

PAGE_SIZE = 25


@login_required
def notification_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The viewer's notifications, newest first: unread only or all, a reference to find
    one, numbered pages. The records are shown through present() (reference, urgency)."""
    project, viewer = access_project(request.user, slug)
    if not viewer.can("view_feedback"):
        raise Http404
    show = request.GET.get("show", "unread")
    rows = notifications_for(viewer).select_related("alert")
    if show != "all":
        show = "unread"
        rows = rows.filter(read_at__isnull=True)
    reference = request.GET.get("ref", "").strip()[:20]
    if reference:
        rows = rows.filter(alert__feedback__reference=normalise_reference(reference))
    page = Paginator(rows.order_by("-created_at", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    notifications = list(page.object_list)
    records = {
        r.pk: r
        for r in feedback_visible_to(viewer)
        .filter(pk__in=[n.alert.feedback_id for n in notifications])
        .select_related("area")
    }
    shown = dict(
        zip(
            records,
            present_many(list(records.values()), viewer, "notifications"),
            strict=True,
        )
    )
    texts = sms_status_of({n.alert_id for n in notifications})
    items = [_item(n, shown[n.alert.feedback_id], texts.get(n.alert_id, [])) for n in notifications]
    query = f"show={show}" + (f"&ref={reference}" if reference else "")
    return render(
        request,
        "triage/alerts/notifications.html",
        {
            **layout(project, viewer),
            "items": items,
            "pager": pager(page),
            "query": query,
            "show": show,
            "ref": reference,
        },
    )


def _item(notification: Notification, record: Any, texts: list[tuple[str, int]]) -> dict[str, Any]:
    """A notification as the screen shows it: words and the presented record."""
    return {
        "id": str(notification.pk),
        "kind": str(Notification.Kind(notification.kind).label),
        "is_escalation": notification.kind == Notification.Kind.ESCALATION,
        "created_at": notification.created_at,
        "read": notification.read_at is not None,
        "acknowledged": notification.alert.acknowledged_at is not None,
        "record": record,
        # The alert's SMS to staff phones: (state in words, how many), none if not texted.
        "texts": texts,
    }


@login_required
@require_POST
def acknowledge(request: HttpRequest, slug: str, notification_id: str) -> HttpResponse:
    _project, viewer = access_project(request.user, slug)
    if do_acknowledge_alert(viewer, notification_id):
        messages.success(request, _("Acknowledged: it will not be escalated."))
    else:
        messages.info(request, _("Someone acknowledged this alert already."))
    return redirect("triage:alerts:list", slug=slug)


@login_required
@require_POST
def mark_read(request: HttpRequest, slug: str, notification_id: str) -> HttpResponse:
    _project, viewer = access_project(request.user, slug)
    do_read_notification(viewer, notification_id)
    return redirect("triage:alerts:list", slug=slug)


@login_required
@require_http_methods(["GET", "POST"])
def policy_edit(request: HttpRequest, slug: str) -> HttpResponse:
    project, viewer = access_project(request.user, slug)
    if not viewer.can("manage_project"):
        raise Http404
    roles = role_choices(project.pk)
    types = framework_for(project.pk).choices(Kind.TYPE)
    channels = sms_channel_choices(project.pk)
    if request.method == "POST":
        form = PolicyForm(request.POST, roles=roles, types=types, sms_channels=channels)
        if form.is_valid():
            d = form.cleaned_data
            do_save_alert_policy(
                viewer,
                alert_urgencies=d["alert_urgencies"],
                alert_roles=d["alert_roles"],
                escalation_roles=d["escalation_roles"],
                escalate_after_minutes=d["escalate_after_minutes"],
                default_target_hours=d["default_target_hours"],
                target_hours=form.targets(),
                send_receipts=d["send_receipts"],
                sms_enabled=d["sms_enabled"],
                sms_channel_id=d["sms_channel"] or None,
            )
            messages.success(request, _("Alert settings saved."))
            return redirect("triage:alerts:policy", slug=slug)
    else:
        policy = policy_for(project.pk)
        initial: dict[str, Any] = {
            "alert_urgencies": list(policy.alert_urgencies),
            "alert_roles": list(policy.alert_roles),
            "escalation_roles": list(policy.escalation_roles),
            "escalate_after_minutes": policy.escalate_after_minutes,
            "default_target_hours": policy.default_target_hours,
        }
        initial |= {f"target_{code}": hours for code, hours in policy.target_hours.items()}
        initial["send_receipts"] = policy.send_receipts
        initial["sms_enabled"] = policy.sms_enabled
        initial["sms_channel"] = str(policy.sms_channel_id or "")
        form = PolicyForm(roles=roles, types=types, sms_channels=channels, initial=initial)
    return render(
        request,
        "triage/alerts/policy.html",
        {**layout(project, viewer), "form": form},
        status=400 if form.is_bound else 200,
    )
