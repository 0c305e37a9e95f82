"""Creating a project on a screen: an organisation's administrators only (anyone else
gets a 404). The project starts in design, with its own data key, the default roles, its
creator and its data controller as members; it takes feedback only once its
data-protection checklists are approved and it is made active (``projects.lifecycle``).
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from responsemap.accounts.actions import do_add_member
from responsemap.accounts.models import User
from responsemap.accounts.queries import viewer_for
from responsemap.projects.actions import do_create_project
from responsemap.projects.creation.forms import ProjectCreationForm, language_choices
from responsemap.projects.hooks import project_created
from responsemap.projects.lifecycle.queries import organisations_administered
from responsemap.projects.queries import works_for


class NewProjectForm(ProjectCreationForm):
    organisation = forms.TypedChoiceField(label=gettext_lazy("Organisation"), coerce=int)

    def __init__(
        self, *args: object, organisations: list[tuple[int, str]], **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = organisations  # type: ignore[attr-defined]
        self.order_fields(["organisation"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        controller, organisation = data.get("controller"), data.get("organisation")
        outside = (
            controller is not None
            and organisation is not None
            and not (controller.is_superuser or works_for(controller, organisation))
        )
        if outside:
            # The words of an unknown name: nothing says the account exists elsewhere.
            self.add_error("controller", _("No active staff account has this user name."))
        return data


@login_required
@require_http_methods(["GET", "POST"])
def new_project(request: HttpRequest) -> HttpResponse:
    organisations = organisations_administered(request.user)
    if not organisations:
        raise Http404
    choices = [(o.pk, o.name) for o in organisations]
    form = NewProjectForm(request.POST or None, organisations=choices)
    if request.method == "POST" and form.is_valid():
        organisation = next(o for o in organisations if o.pk == form.cleaned_data["organisation"])
        arguments = form.creation_arguments()
        controller = arguments["protection"]["data_controller"]
        creator = cast(User, request.user)  # signed in: login_required
        try:
            with transaction.atomic():
                project = do_create_project(
                    organisation=organisation, created_by=request.user, **arguments
                )
                do_add_member(project_id=project.pk, user=creator, role_code="manager")
                if controller.pk != creator.pk:
                    do_add_member(project_id=project.pk, user=controller, role_code="manager")
                # Geo makes the areas typed as a list (projects.hooks).
                project_created(project, form.cleaned_data, viewer_for(creator, project.pk))
        except IntegrityError:
            # Another admin took the short name a moment ago (the form checked it first).
            form.add_error("slug", _("Another project already has this short name."))
            return render(
                request,
                "projects/creation/new.html",
                {"form": form, "languages": language_choices()},
                status=400,
            )
        messages.success(
            request,
            _(
                "Project created, in design. Add its members and channels, then answer its "
                "data-protection checklists."
            ),
        )
        return redirect("lifecycle:overview", slug=project.slug)
    return render(
        request,
        "projects/creation/new.html",
        {"form": form, "languages": language_choices()},
        status=400 if form.is_bound else 200,
    )
