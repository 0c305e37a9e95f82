"""The manager's screen for the consent notice sent to new numbers, per language.

Publishing makes a new version; earlier versions stay, because consent records name the
version the person was sent. They are listed a page at a time (``lib.pager``), found by
their words or label ("fr-v2"), by language, or only the version in use per language.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from responsemap.intake.contacts.actions import do_set_consent_notice
from responsemap.intake.contacts.queries import consent_notice_versions, notice_languages
from responsemap.lib.pager import pager
from responsemap.projects.creation.forms import language_name
from responsemap.projects.layout import layout
from responsemap.projects.models import Project
from responsemap.projects.queries import access_project
from responsemap.protection.listing import record_listing
from responsemap.protection.present import present_many
from responsemap.protection.viewer import Viewer

PAGE_SIZE = 20
# An SMS is 160 GSM characters or 70 in Unicode; a notice may take a few parts, not ten.
MAX_NOTICE = 480


class NoticeForm(forms.Form):
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=())
    text = forms.CharField(
        label=gettext_lazy("Notice"),
        max_length=MAX_NOTICE,
        widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}),
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


class NoticeFilterForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Words in the notice, or a version (fr-v2)"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "dir": "auto"}),
    )
    language = forms.ChoiceField(label=gettext_lazy("Language"), required=False, choices=())
    show = forms.ChoiceField(
        label=gettext_lazy("Show"),
        required=False,
        choices=[
            ("", gettext_lazy("Every version")),
            ("current", gettext_lazy("Only the version in use")),
        ],
    )

    def __init__(self, *args: object, languages: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        choices = [(code, language_name(code)) for code in languages]
        self.fields["language"].choices = [("", _("Any language")), *choices]  # type: ignore[attr-defined]


def _versions(request: HttpRequest, project: Project, viewer: Viewer) -> dict[str, Any]:
    """One page of the notice versions, filtered as asked, presented; the pager and the
    filters kept in its links."""
    languages = sorted({*(project.languages or ["en"]), *notice_languages(project.pk)})
    filters = NoticeFilterForm(request.GET or None, languages=languages)
    wanted: dict[str, Any] = {}
    if filters.is_valid():
        data = filters.cleaned_data
        wanted = {
            "language": data["language"],
            "search": data["q"],
            "current_only": data["show"] == "current",
        }
    page = Paginator(consent_notice_versions(project.pk, **wanted), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    notices = present_many(list(page.object_list), viewer, "consent_notices")
    record_listing(viewer, "consentnotice", notices, purpose="consent_notices")
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "filters": filters,
        "filtered": bool(wanted and any(wanted.values())),
        "notices": notices,
        "pager": pager(page),
        "query": query.urlencode(),
    }


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
    return render(
        request,
        "intake/notices.html",
        {**layout(project, viewer), "form": form, **_versions(request, project, viewer)},
        status=400 if form.is_bound else 200,  # a refused version: the form and its errors
    )
