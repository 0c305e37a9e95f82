"""The person's own page for their phone for SMS alerts (docs/people.md, "Your phone
for alerts"). Only their own: no id in any URL, so nobody reaches another's."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from responsemap.accounts.models import User
from responsemap.accounts.phones.actions import (
    CODE_MINUTES,
    CodeSent,
    do_confirm_staff_phone,
    do_remove_staff_phone,
    do_send_staff_phone_code,
    do_set_staff_phone,
)
from responsemap.accounts.phones.forms import CodeForm, PhoneForm
from responsemap.accounts.phones.queries import own_phone


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required
    return user


def _said(request: HttpRequest, result: CodeSent) -> None:
    if result is CodeSent.SENT:
        messages.success(
            request,
            _("A code was sent to your phone. Type it below within %(minutes)s minutes.")
            % {"minutes": CODE_MINUTES},
        )
    elif result is CodeSent.TOO_SOON:
        # Also after recording a number again within the minute: its code is not sent.
        messages.info(
            request,
            _(
                "A code was sent less than a minute ago. Wait a minute, then ask for a new "
                "code if none came to this number."
            ),
        )
    elif result is CodeSent.TOO_MANY:
        messages.error(
            request, _("Too many codes for this number: record the number again to start over.")
        )
    elif result is CodeSent.DAY_LIMIT:
        messages.error(request, _("Too many codes today: ask for a new code tomorrow."))
    else:
        messages.error(
            request,
            _(
                "The code could not be sent: none of your projects sends alerts by SMS yet, "
                "or its gateway refused. Your number is kept; ask for a new code later."
            ),
        )


@login_required
@require_http_methods(["GET", "POST"])
def phone(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    current = own_phone(user)
    form = PhoneForm(
        request.POST if request.method == "POST" else None,
        initial={"language": current.language if current else translation.get_language()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        result = do_set_staff_phone(user, data["number"], data["language"])
        _said(request, result)
        return redirect("accounts_phone:phone")
    languages = dict(form.fields["language"].choices)  # type: ignore[attr-defined]
    shown: dict[str, Any] | None = None
    if current is not None:
        shown = {
            "masked": current.masked,
            "language": languages.get(current.language, current.language),
            "verified": current.verified_at is not None,
            "verified_at": current.verified_at,
            "code_waiting": bool(current.code_digest),
        }
    return render(
        request,
        "accounts/phone.html",
        {"phone": shown, "form": form, "code_form": CodeForm()},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_POST
def confirm(request: HttpRequest) -> HttpResponse:
    form = CodeForm(request.POST)
    if form.is_valid() and do_confirm_staff_phone(_user(request), form.cleaned_data["code"]):
        messages.success(request, _("Your phone is confirmed: alerts will be texted to it."))
    else:
        messages.error(
            request,
            _("That code is not right, or it expired. Try again, or ask for a new code."),
        )
    return redirect("accounts_phone:phone")


@login_required
@require_POST
def resend(request: HttpRequest) -> HttpResponse:
    _said(request, do_send_staff_phone_code(_user(request)))
    return redirect("accounts_phone:phone")


@login_required
@require_POST
def remove(request: HttpRequest) -> HttpResponse:
    if do_remove_staff_phone(_user(request)):
        messages.success(request, _("Your phone was removed: no alert will be texted to it."))
    return redirect("accounts_phone:phone")
