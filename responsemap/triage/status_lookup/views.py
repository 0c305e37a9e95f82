"""The public status page of a project, ``/f/<slug>/status/``: no sign-in.

The code is posted, never put in the address (it would sit in browser history, proxy
logs and referrers); the answer is rendered at once and never cached. Each lookup is
counted against the client's and the project's limits (``guard``) before anything is
looked up. A code nobody holds gets the same page, status and number of queries as a
right one, with no stage. The client's address is used for the limit and kept nowhere.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from responsemap.projects.models import Project
from responsemap.triage.public_views import _page, chosen_language
from responsemap.triage.queries import public_project
from responsemap.triage.status_lookup.forms import StatusLookupForm
from responsemap.triage.status_lookup.guard import claim_lookup, web_client
from responsemap.triage.status_lookup.queries import public_status

logger = logging.getLogger(__name__)

TEMPLATE = "triage/status_lookup/page.html"


@never_cache
@require_http_methods(["GET", "POST"])
def status_page(request: HttpRequest, slug: str) -> HttpResponse:
    project = public_project(slug)
    language = chosen_language(project, request)
    if request.method != "POST":
        form = StatusLookupForm()
        return _respond(request, project, language, {"form": form, "asked": False})
    form = StatusLookupForm(request.POST)
    if not form.is_valid():
        # A code that can't be one (wrong length or letters): a client error, with the
        # reason on the page. Nothing is counted or looked up.
        context = {"form": form, "asked": False}
        return _respond(request, project, language, context, status=400)
    with transaction.atomic():
        allowed = claim_lookup(project.pk, web_client(request.META.get("REMOTE_ADDR")))
        code = form.cleaned_data["code"]
        found = public_status(project, code, with_reply=True) if allowed else None
    if not allowed:
        logger.info("status lookup: rate limit reached for project %s", project.slug)
        context = {"form": form, "asked": False, "limited": True}
        return _respond(request, project, language, context, status=429)
    # A fresh, empty form: the code asked is shown in the answer only if it was found.
    context = {"form": StatusLookupForm(), "asked": True, "found": found}
    return _respond(request, project, language, context)


def _respond(
    request: HttpRequest,
    project: Project,
    language: str,
    context: dict[str, object],
    status: int = 200,
) -> HttpResponse:
    response = _page(request, TEMPLATE, project, language, context, status=status)
    # Not "no-referrer": a form posted under it sends "Origin: null", which CSRF refuses.
    response["Referrer-Policy"] = "same-origin"
    return response
