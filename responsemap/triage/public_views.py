"""The public web form of a project: anyone may send a message, without signing in and
without JavaScript.

Nothing here shows stored data: the form shows the project's purpose and consent notice;
the confirmation shows only the new record's reference code, carried to it in a signed,
short-lived value (POST-redirect-GET, so a refresh never sends twice). The sender's
network address is checked against the rate limit (``public_guard``) but kept nowhere,
not even in the audit event of the new record.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.core import signing
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from responsemap.intake.contacts.queries import current_consent_notice
from responsemap.lib.context import RequestContext, current_request, reset_current_request
from responsemap.lib.context import set_current_request as set_request_context
from responsemap.projects.lifecycle.queries import closed_project
from responsemap.projects.models import Project
from responsemap.protection.present import PUBLIC, present
from responsemap.triage.actions import NewFeedback, do_create_feedback
from responsemap.triage.choices import Source
from responsemap.triage.forms import language_name
from responsemap.triage.public_forms import PublicFeedbackForm
from responsemap.triage.public_guard import (
    HONEYPOT_FIELD,
    STAMP_FIELD,
    Verdict,
    check_submission,
    claim_submission_slot,
    issue_form_stamp,
    stamped_notice,
)
from responsemap.triage.queries import public_project

logger = logging.getLogger(__name__)

RECEIPT_SALT = "responsemap.triage.public_form.receipt"
# Long enough to copy the code down; short enough that a shared phone's history soon
# stops showing it to the next person.
RECEIPT_MAX_AGE = 30 * 60


@dataclass(frozen=True)
class Receipt:
    reference: str
    contact_kept: bool
    phone_dropped: bool


def chosen_language(project: Project, request: HttpRequest) -> str:
    """The page language: one of the project's, from the form or ``?lang=``."""
    languages = project.languages or [project.default_language]
    asked = request.POST.get("language", "") if request.method == "POST" else ""
    asked = asked or request.GET.get("lang", "")
    return asked if asked in languages else project.default_language


@contextmanager
def _without_client_address() -> Iterator[None]:
    """Audit events written inside carry no network address: for a member of the public
    it would be personal data tied to their message (staff actions keep theirs)."""
    ctx = current_request()
    token = set_request_context(RequestContext(request_id=ctx.request_id, client_ip=None))
    try:
        yield
    finally:
        reset_current_request(token)


def _page(
    request: HttpRequest,
    template: str,
    project: Project,
    language: str,
    context: dict[str, Any],
    status: int = 200,
) -> HttpResponse:
    # The language links keep the page where it is (the confirmation keeps its receipt).
    kept = {"r": request.GET["r"]} if "r" in request.GET else {}
    with translation.override(language):
        languages = [
            (code, language_name(code), code == language, urlencode({"lang": code, **kept}))
            for code in (project.languages or [project.default_language])
        ]
        response = render(
            request,
            template,
            {
                # Only what the catalogue lets anyone see of the project.
                "project": present(project, PUBLIC, "public_form"),
                "language": language,
                "languages": languages,
                **context,
            },
            status=status,
        )
    response["Content-Language"] = language
    return response


def _form_page(
    request: HttpRequest,
    project: Project,
    language: str,
    form: PublicFeedbackForm,
    status: int = 200,
) -> HttpResponse:
    notice = current_consent_notice(project, language)
    return _page(
        request,
        "triage/public_form.html",
        project,
        language,
        {
            "form": form,
            "notice": present(notice, PUBLIC, "public_form") if notice else None,
            "stamp": issue_form_stamp(project.pk, notice=notice.label if notice else ""),
            "stamp_field": STAMP_FIELD,
            "honeypot_field": HONEYPOT_FIELD,
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def public_form(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        project = public_project(slug)
    except Http404:
        closed = closed_project(slug)
        if closed is None:
            raise
        # Says so, in the project's languages; nothing is taken.
        language = chosen_language(closed, request)
        return _page(request, "projects/lifecycle/public_closed.html", closed, language, {}, 410)
    language = chosen_language(project, request)
    if request.method != "POST":
        form = PublicFeedbackForm(project=project, language=language)
        return _form_page(request, project, language, form)

    verdict = check_submission(project.pk, request.POST)
    if verdict.is_bot:
        logger.info("public form: refused (%s) for project %s", verdict.value, project.slug)
        return _page(request, "triage/public_rejected.html", project, language, {}, status=400)
    form = PublicFeedbackForm(request.POST, project=project, language=language)
    if verdict is Verdict.EXPIRED:
        with translation.override(language):
            form.add_error(
                None,
                _("This form was open for a long time. Check your message and send it again."),
            )
        return _form_page(request, project, language, form, status=400)
    if not form.is_valid():
        # A malformed submission is a client error with its reasons on the page, in the
        # person's language: the form comes back with what they wrote and each error.
        return _form_page(request, project, language, form, status=400)

    data = form.cleaned_data
    with _without_client_address(), transaction.atomic():
        allowed = claim_submission_slot(request.META.get("REMOTE_ADDR"))
        feedback = (
            do_create_feedback(
                project,
                NewFeedback(
                    source=Source.WEB,
                    content=data["content"],
                    phone=form.kept_phone,
                    language=language,
                    area=data["area"],
                    consent_given=form.needs_phone,
                    # A yes or no per purpose, naming the notice shown (its stamp).
                    consent_answers=form.consent_answers(stamped_notice(request.POST)),
                ),
                actor=None,
            )
            if allowed
            else None
        )
    if feedback is None:
        logger.info("public form: rate limit reached for project %s", project.slug)
        with translation.override(language):
            form.add_error(
                None,
                _(
                    "Several messages were sent from your connection in the last few minutes."
                    " Please wait ten minutes, then send your message again."
                ),
            )
        return _form_page(request, project, language, form, status=429)

    receipt = signing.dumps(
        {
            "p": str(project.pk),
            "r": feedback.reference,
            "c": feedback.contact_id is not None,
            "d": form.phone_dropped,
        },
        salt=RECEIPT_SALT,
    )
    query = urlencode({"lang": language, "r": receipt})
    return redirect(f"{reverse('public:thanks', kwargs={'slug': project.slug})}?{query}")


def read_receipt(project: Project, value: str) -> Receipt | None:
    try:
        data = signing.loads(value, salt=RECEIPT_SALT, max_age=RECEIPT_MAX_AGE)
        if data["p"] != str(project.pk):
            return None
        return Receipt(
            reference=str(data["r"]),
            contact_kept=bool(data["c"]),
            phone_dropped=bool(data["d"]),
        )
    except (signing.BadSignature, KeyError, TypeError):
        return None


@never_cache
@require_GET
def public_thanks(request: HttpRequest, slug: str) -> HttpResponse:
    project = public_project(slug)
    language = chosen_language(project, request)
    receipt = read_receipt(project, request.GET.get("r", ""))
    response = _page(
        request,
        "triage/public_thanks.html",
        project,
        language,
        {"receipt": receipt},
        status=200 if receipt else 404,
    )
    # The address holds the code: don't hand it to anyone the page links to.
    response["Referrer-Policy"] = "no-referrer"
    return response
