"""A project's manager at work on who is in it: members (add, invite, change role,
deactivate), teams (create, rename, delete, put members in them) and the roles'
permissions in words.

Only a member whose role may manage the project (``manage_project``) reaches these
screens; for anyone else they do not exist (404, like a project they are not in). Every
change is an audited action of ``accounts/actions.py``; what is shown goes through
``present()`` (``accounts/catalogue.py``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from responsemap.accounts.actions import (
    MembershipRefused,
    do_add_existing_member,
    do_change_role,
    do_create_team,
    do_deactivate_member,
    do_delete_team,
    do_edit_role,
    do_invite_member,
    do_reactivate_member,
    do_rename_team,
    do_set_member_teams,
    invitation_sender,
)
from responsemap.accounts.models import Membership
from responsemap.accounts.permissions import PERMISSIONS
from responsemap.accounts.queries import (
    member_of,
    members_of,
    permission_words,
    role_choices,
    role_of,
    role_words,
    roles_of,
    team_ids_of,
    team_names_by_member,
    team_of,
    team_sizes,
    teams_of,
    viewer_for,
)
from responsemap.lib.pager import pager
from responsemap.projects.layout import layout
from responsemap.projects.members_forms import (
    AddMemberForm,
    InviteForm,
    MembersFilterForm,
    MemberTeamsForm,
    RoleChoiceForm,
    TeamNameForm,
)
from responsemap.projects.models import Project
from responsemap.projects.queries import access_project
from responsemap.protection.present import present, present_many
from responsemap.protection.viewer import Viewer

PAGE_SIZE = 25


def _as_manager(request: HttpRequest, slug: str) -> tuple[Project, Viewer]:
    project, viewer = access_project(request.user, slug)
    if not viewer.can("manage_project"):
        raise Http404
    return project, viewer


def _errors(form: Any) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def _rows(memberships: list[Membership], viewer: Viewer) -> list[dict[str, Any]]:
    """What the list shows of each member: presented, with their role and teams in words."""
    shown = present_many(memberships, viewer, "members")
    users = present_many([m.user for m in memberships], viewer, "members")
    teams = team_names_by_member(memberships)
    return [
        {
            "id": m.pk,
            "membership": s,
            "user": u,
            "role": role_words(m.role.code, m.role.label),
            "teams": teams[m.pk],
            "active": m.is_active and m.user.is_active,
        }
        for m, s, u in zip(memberships, shown, users, strict=True)
    ]


@login_required
def members(request: HttpRequest, slug: str) -> HttpResponse:
    project, viewer = _as_manager(request, slug)
    teams = [(t.pk, t.name) for t in teams_of(project.pk)]
    form = MembersFilterForm(request.GET or None, roles=role_choices(project.pk), teams=teams)
    filters: dict[str, Any] = {"active": True}
    if form.is_valid():
        data = form.cleaned_data
        state = {"": True, "inactive": False, "all": None}[data["state"]]
        filters = {"search": data["q"].strip(), "role": data["role"], "team": data["team"]}
        filters["active"] = state
    rows = members_of(project.pk, **filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "projects/members/list.html",
        {
            **layout(project, viewer),
            "form": form,
            "rows": _rows(list(page.object_list), viewer),
            "pager": pager(page),
            "query": query.urlencode(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def add_member(request: HttpRequest, slug: str) -> HttpResponse:
    project, viewer = _as_manager(request, slug)
    roles = role_choices(project.pk)
    which = request.POST.get("form") if request.method == "POST" else None
    add_form = AddMemberForm(request.POST if which == "add" else None, roles=roles, prefix="add")
    invite_form = InviteForm(
        request.POST if which == "invite" else None, roles=roles, prefix="invite"
    )
    try:
        if which == "add" and add_form.is_valid():
            membership = do_add_existing_member(
                project_id=project.pk,
                identifier=add_form.cleaned_data["identifier"],
                role_code=add_form.cleaned_data["role"],
                actor=viewer,
            )
            messages.success(request, _("Member added."))
            return redirect("members:member", slug=slug, membership_id=membership.pk)
        if which == "invite" and invite_form.is_valid():
            data = invite_form.cleaned_data
            membership = do_invite_member(
                project_id=project.pk,
                username=data["username"],
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                role_code=data["role"],
                actor=viewer,
                send_invitation=invitation_sender(request),
            )
            messages.success(
                request, _("Account created: an e-mail invites the person to choose a password.")
            )
            return redirect("members:member", slug=slug, membership_id=membership.pk)
    except MembershipRefused as refused:
        messages.error(request, str(refused))
    return render(
        request,
        "projects/members/add.html",
        {**layout(project, viewer), "add_form": add_form, "invite_form": invite_form},
    )


@login_required
def member(request: HttpRequest, slug: str, membership_id: str) -> HttpResponse:
    project, viewer = _as_manager(request, slug)
    found = member_of(project.pk, membership_id)
    teams = [(t.pk, t.name) for t in teams_of(project.pk)]
    [row] = _rows([found], viewer)
    return render(
        request,
        "projects/members/member.html",
        {
            **layout(project, viewer),
            "row": row,
            "is_self": found.user_id == viewer.user_id,
            "role_form": RoleChoiceForm(
                roles=role_choices(project.pk), initial={"role": found.role.code}
            ),
            "teams_form": MemberTeamsForm(teams=teams, initial={"teams": team_ids_of(found)}),
            "has_teams": bool(teams),
        },
    )


def _change_member(request: HttpRequest, slug: str, membership_id: str, act: Any) -> HttpResponse:
    """Run one change on a member (``act(viewer, membership)`` returns what to say), and go
    back to their page with its words; a refusal changes nothing."""
    project, viewer = _as_manager(request, slug)
    found = member_of(project.pk, membership_id)
    try:
        with transaction.atomic():
            said = act(viewer, found)
    except MembershipRefused as refused:
        messages.error(request, str(refused))
    else:
        if said:
            messages.success(request, said)
    still = viewer_for(request.user, project.pk)
    if still is None or not still.can("manage_project"):
        # They changed their own membership and no longer manage the project.
        return redirect("home")
    return redirect("members:member", slug=slug, membership_id=found.pk)


@login_required
@require_POST
def change_role(request: HttpRequest, slug: str, membership_id: str) -> HttpResponse:
    def act(viewer: Viewer, found: Membership) -> str:
        form = RoleChoiceForm(request.POST, roles=role_choices(found.project_id))
        if not form.is_valid():
            raise MembershipRefused(_errors(form))
        changed = do_change_role(found, form.cleaned_data["role"], actor=viewer)
        return _("Role changed.") if changed else ""

    return _change_member(request, slug, membership_id, act)


@login_required
@require_POST
def set_active(request: HttpRequest, slug: str, membership_id: str) -> HttpResponse:
    def act(viewer: Viewer, found: Membership) -> str:
        if request.POST.get("active") == "1":
            return _("Member active again.") if do_reactivate_member(found, actor=viewer) else ""
        return _("Member deactivated.") if do_deactivate_member(found, actor=viewer) else ""

    return _change_member(request, slug, membership_id, act)


@login_required
@require_POST
def set_teams(request: HttpRequest, slug: str, membership_id: str) -> HttpResponse:
    def act(viewer: Viewer, found: Membership) -> str:
        teams = [(t.pk, t.name) for t in teams_of(found.project_id)]
        form = MemberTeamsForm(request.POST, teams=teams)
        if not form.is_valid():
            raise MembershipRefused(_errors(form))
        changed = do_set_member_teams(found, form.cleaned_data["teams"], actor=viewer)
        return _("Teams saved.") if changed else ""

    return _change_member(request, slug, membership_id, act)


@login_required
@require_http_methods(["GET", "POST"])
def teams(request: HttpRequest, slug: str) -> HttpResponse:
    project, viewer = _as_manager(request, slug)
    form = TeamNameForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            do_create_team(project_id=project.pk, name=form.cleaned_data["name"], actor=viewer)
        except MembershipRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, _("Team created."))
            return redirect("members:teams", slug=slug)
    rows = list(teams_of(project.pk))
    sizes = team_sizes(project.pk)
    shown = present_many(rows, viewer, "teams")
    return render(
        request,
        "projects/members/teams.html",
        {
            **layout(project, viewer),
            "form": form,
            "teams": [
                {"id": t.pk, "team": s, "size": sizes.get(t.pk, 0)}
                for t, s in zip(rows, shown, strict=True)
            ],
        },
    )


@login_required
@require_POST
def rename_team(request: HttpRequest, slug: str, team_id: str) -> HttpResponse:
    project, viewer = _as_manager(request, slug)
    team = team_of(project.pk, team_id)
    form = TeamNameForm(request.POST)
    try:
        if not form.is_valid():
            raise MembershipRefused(_errors(form))
        if do_rename_team(team, form.cleaned_data["name"], actor=viewer):
            messages.success(request, _("Team renamed."))
    except MembershipRefused as refused:
        messages.error(request, str(refused))
    return redirect("members:teams", slug=slug)


@login_required
@require_POST
def delete_team(request: HttpRequest, slug: str, team_id: str) -> HttpResponse:
    project, viewer = _as_manager(request, slug)
    team = team_of(project.pk, team_id)
    name = present(team, viewer, "teams")["name"].value
    do_delete_team(team, actor=viewer)
    messages.success(request, _("Team “%(name)s” deleted.") % {"name": name})
    return redirect("members:teams", slug=slug)


@login_required
def roles(request: HttpRequest, slug: str) -> HttpResponse:
    project, viewer = _as_manager(request, slug)
    return render(
        request,
        "projects/members/roles.html",
        {
            **layout(project, viewer),
            "roles": [
                {
                    "id": role.pk,
                    "name": role_words(role.code, role.label),
                    "permissions": permission_words(role.permissions or []),
                    # Each permission, ticked if the role holds it; one the manager does
                    # not hold is shown but can't be changed (no escalation).
                    "choices": [
                        {
                            "name": name,
                            "words": str(words),
                            "checked": name in (role.permissions or []),
                            "editable": viewer.can(name),
                        }
                        for name, words in PERMISSIONS.items()
                    ],
                }
                for role in roles_of(project.pk)
            ],
        },
    )


@login_required
@require_POST
def edit_role(request: HttpRequest, slug: str, role_id: int) -> HttpResponse:
    project, viewer = _as_manager(request, slug)
    role = role_of(project.pk, role_id)
    held = set(role.permissions or [])
    posted = set(request.POST.getlist("permissions"))
    # What the manager may not change stays as it is, whatever was posted.
    wanted = {p for p in posted if viewer.can(p)} | {p for p in held if not viewer.can(p)}
    try:
        if do_edit_role(role, wanted, actor=viewer):
            messages.success(request, _("Role permissions saved."))
    except MembershipRefused as refused:
        messages.error(request, str(refused))
    return redirect("members:roles", slug=slug)
