"""The manager's screen for the consent notice sent to new numbers, per language.

Publishing makes a new version; earlier versions stay, because consent records name the
version the person was sent.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from responsemap.intake.contacts.actions import do_set_consent_notice
from responsemap.intake.contacts.queries import consent_notices_of
from responsemap.projects.layout import layout
from responsemap.projects.queries import access_project
from responsemap.protection.listing import record_listing
from responsemap.protection.present import present_many

# An SMS is 160 GSM characters or 70 in Unicode; a notice may take a few parts, not ten.
MAX_NOTICE = 480


class NoticeForm(forms.Form):
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=())
    text = forms.CharField(
        label=gettext_lazy("Notice"),
        max_length=MAX_NOTICE,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "Who you are, why you collect messages, how long you keep them, and that STOP "
            "stops all messages."
        ),
    )
    sharing = forms.CharField(
        label=gettext_lazy("Who it is shared with"),
        required=False,
        max_length=MAX_NOTICE,
        widget=forms.Textarea(attrs={"rows": 2, "dir": "auto"}),
        help_text=gettext_lazy(
            "Which partner organisations may receive a person's case, for what, and only "
            "with their agreement."
        ),
    )
    rights = forms.CharField(
        label=gettext_lazy("The person's rights"),
        required=False,
        max_length=MAX_NOTICE,
        widget=forms.Textarea(attrs={"rows": 2, "dir": "auto"}),
        help_text=gettext_lazy(
            "That they may ask to see, correct or erase what you hold, or withdraw their "
            "consent, and how to ask."
        ),
    )

    def __init__(self, *args: object, languages: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["language"].choices = [(code, code) for code in languages]  # type: ignore[attr-defined]


@login_required
@require_http_methods(["GET", "POST"])
def consent_notices(request: HttpRequest, slug: str) -> HttpResponse:
    project, viewer = access_project(request.user, slug)
    if not viewer.can("manage_project"):
        raise Http404
    languages = project.languages or ["en"]
    form = NoticeForm(request.POST or None, languages=languages)
    if request.method == "POST" and form.is_valid():
        notice = do_set_consent_notice(
            project_id=project.pk,
            language=form.cleaned_data["language"],
            text=form.cleaned_data["text"],
            sharing=form.cleaned_data["sharing"],
            rights=form.cleaned_data["rights"],
            actor=viewer,
        )
        messages.success(request, _("Published version %(label)s.") % {"label": notice.label})
        return redirect("intake_admin:notices", slug=slug)
    notices = present_many(consent_notices_of(project.pk), viewer, "consent_notices")
    record_listing(viewer, "consentnotice", notices, purpose="consent_notices")
    return render(
        request,
        "intake/notices.html",
        {**layout(project, viewer), "form": form, "notices": notices},
    )
