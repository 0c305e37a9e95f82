from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from responsemap.projects.layout import layout
from responsemap.projects.lifecycle.queries import organisations_administered
from responsemap.projects.queries import access_project, projects_visible_to
from responsemap.projects.sharing.queries import partner_of
from responsemap.protection.present import PUBLIC, present_many


@login_required
def switcher(request: HttpRequest) -> HttpResponse:
    projects = list(projects_visible_to(request.user))
    # An organisation's administrator comes here to create projects too.
    may_create = bool(organisations_administered(request.user))
    if len(projects) == 1 and not may_create:
        return redirect("project_home", slug=projects[0].slug)
    # Shown as to anyone: the switcher needs only what is public about each project.
    shown = present_many(projects, PUBLIC, "switcher")
    return render(request, "projects/switcher.html", {"projects": shown, "may_create": may_create})


@login_required
def project_home(request: HttpRequest, slug: str) -> HttpResponse:
    """Each role lands where its work is: the inbox, the hotline form, or a partner
    user's referrals."""
    project, viewer = access_project(request.user, slug)
    if partner_of(viewer) is not None:
        return redirect("triage:partner_queue", slug=project.slug)
    if viewer.can("view_feedback"):
        return redirect("triage:inbox", slug=project.slug)
    if viewer.can("enter_feedback"):
        return redirect("triage:hotline", slug=project.slug)
    return render(request, "projects/home.html", layout(project, viewer))
