"""The manager's screen for what redaction adds to its built-in rules in one project:
ID-number patterns, extra cue words after which a name follows, and words never to
remove (place and organisation names the rules take for people).

"Try" redacts a sample with the settings as typed, before saving. The sample is neither
stored nor logged: it is typed by the manager to test the rules, but it may well be a
real message pasted in. The project's area names are kept as they are in the worker.

ID patterns are checked before they are saved (``protection.redaction.patterns``): one
that could run away on a message is refused with the reason. One that still runs out of
its time on a message (saved before the checks, or on an unusual text) is left out of
that message's redaction and counted; the screen warns with the count, never the text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from responsemap.geo.locate import AreaNames
from responsemap.intake.contacts.actions import do_set_redaction_settings
from responsemap.intake.contacts.models import IntakePolicy
from responsemap.intake.contacts.queries import id_pattern_timeouts, intake_policy_of
from responsemap.intake.contacts.redaction import build_redaction_policy
from responsemap.projects.layout import layout
from responsemap.projects.models import Project
from responsemap.projects.queries import access_project
from responsemap.protection.redaction import PLACEHOLDERS, RedactionPolicy, find_pii
from responsemap.protection.redaction.patterns import PatternRefused, check_id_pattern
from responsemap.protection.viewer import Viewer

MAX_LINES = 200
MAX_LINE = 200
MAX_SAMPLE = 2000


def _lines(value: str, field: str) -> list[str]:
    lines = list(dict.fromkeys(" ".join(line.split()) for line in value.splitlines()))
    lines = [line for line in lines if line]
    if len(lines) > MAX_LINES:
        raise forms.ValidationError(
            _("At most %(count)d lines in %(field)s.") % {"count": MAX_LINES, "field": field}
        )
    for line in lines:
        if len(line) > MAX_LINE:
            raise forms.ValidationError(
                _("A line of %(field)s is longer than %(count)d characters.")
                % {"field": field, "count": MAX_LINE}
            )
    return lines


class RedactionSettingsForm(forms.Form):
    id_patterns = forms.CharField(
        label=gettext_lazy("ID-number patterns"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "dir": "ltr", "spellcheck": "false"}),
        help_text=gettext_lazy(
            "One regular expression a line, for the identity numbers people write in this "
            "project, e.g. \\d{8} or [A-Z]{3}-\\d{2}C\\d{5}."
        ),
    )
    cue_words = forms.CharField(
        label=gettext_lazy("Extra words before a name"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}),
        help_text=gettext_lazy(
            "One word or phrase a line: a role or kinship word of the project's languages "
            'after which a name follows ("the block chairman", "mama"). Many are built in.'
        ),
    )
    keep_words = forms.CharField(
        label=gettext_lazy("Words never to remove"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}),
        help_text=gettext_lazy(
            "One word or name a line: places, organisations and ordinary words the rules "
            "take for a person. The project's area names are always kept."
        ),
    )
    sample = forms.CharField(
        label=gettext_lazy("Sample text"),
        required=False,
        max_length=MAX_SAMPLE,
        widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}),
        help_text=gettext_lazy("To try the settings before saving. It is not stored."),
    )

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.project = project

    def clean_id_patterns(self) -> list[str]:
        patterns = _lines(self.cleaned_data.get("id_patterns") or "", _("ID-number patterns"))
        return check_id_patterns(patterns)

    def clean_cue_words(self) -> list[str]:
        return _lines(self.cleaned_data.get("cue_words") or "", _("extra words before a name"))

    def clean_keep_words(self) -> list[str]:
        return _lines(self.cleaned_data.get("keep_words") or "", _("words never to remove"))

    def policy(self, on_timeout: Callable[[str], None]) -> RedactionPolicy:
        """The settings as typed, as the worker would use them; an ID pattern that runs
        out of time on the sample goes to ``on_timeout``, not to the project's count."""
        data = self.cleaned_data
        unsaved = IntakePolicy(
            project_id=self.project.pk,
            id_patterns=data["id_patterns"],
            redaction_cue_words=data["cue_words"],
            redaction_keep_words=data["keep_words"],
        )
        areas = AreaNames(self.project.pk)
        return build_redaction_policy(self.project, unsaved, areas, on_timeout=on_timeout)


MAX_ID_PATTERNS = 20


def check_id_patterns(patterns: list[str]) -> list[str]:
    """``patterns`` if each may run on every message (``patterns.check_id_pattern``),
    else a ValidationError naming each refused one and why."""
    if len(patterns) > MAX_ID_PATTERNS:
        raise forms.ValidationError(
            _("At most %(count)d ID-number patterns: each one runs on every message.")
            % {"count": MAX_ID_PATTERNS}
        )
    problems = []
    for pattern in patterns:
        try:
            check_id_pattern(pattern)
        except PatternRefused as refused:
            # The pattern isolated left to right (LRI...PDI): it reads the same on an
            # Arabic page.
            problems.append(
                forms.ValidationError(
                    _("“%(pattern)s” can't be used: %(reason)s")
                    % {"pattern": f"\u2066{pattern}\u2069", "reason": refused.words}
                )
            )
    if problems:
        raise forms.ValidationError(problems)
    return patterns


def _initial(project: Project) -> dict[str, str]:
    policy = intake_policy_of(project.pk)
    if policy is None:
        return {}
    return {
        "id_patterns": "\n".join(policy.id_patterns),
        "cue_words": "\n".join(policy.redaction_cue_words),
        "keep_words": "\n".join(policy.redaction_keep_words),
    }


KIND_WORDS = {
    "PERSON": lambda n: ngettext("%(count)d name", "%(count)d names", n),
    "PHONE": lambda n: ngettext("%(count)d phone number", "%(count)d phone numbers", n),
    "EMAIL": lambda n: ngettext("%(count)d e-mail address", "%(count)d e-mail addresses", n),
    "ID_NUMBER": lambda n: ngettext("%(count)d ID number", "%(count)d ID numbers", n),
}


def preview_of(sample: str, form: RedactionSettingsForm) -> dict[str, Any]:
    """The sample redacted, what was taken out, in words, and the ID patterns that ran
    out of time on it (left out, as the worker would)."""
    skipped: list[str] = []
    spans = find_pii(sample, form.policy(skipped.append))
    out, pos = [], 0
    for span in spans:
        out.append(sample[pos : span.start])
        out.append(PLACEHOLDERS[span.kind])
        pos = span.end
    out.append(sample[pos:])
    counts = {kind: sum(s.kind == kind for s in spans) for kind in KIND_WORDS}
    found = [KIND_WORDS[kind](n) % {"count": n} for kind, n in counts.items() if n]
    return {"redacted": "".join(out), "found": found, "skipped": list(dict.fromkeys(skipped))}


def outdated_patterns(project: Project) -> list[str]:
    """The patterns in use that today's checks refuse by their shape (saved before the
    checks): they still run, under the time limit, until the manager changes them."""
    policy = intake_policy_of(project.pk)
    outdated = []
    for pattern in dict.fromkeys([*project.id_patterns, *(policy.id_patterns if policy else ())]):
        try:
            check_id_pattern(pattern, shape_only=True)
        except PatternRefused:
            outdated.append(pattern)
    return outdated


def timeout_warnings(project: Project) -> list[dict[str, Any]]:
    """The ID patterns in use that ran out of time on messages: the pattern, on how many
    messages and when last (counts only; the messages are not named)."""
    policy = intake_policy_of(project.pk)
    in_use = [*project.id_patterns, *(policy.id_patterns if policy else ())]
    return [
        {
            "pattern": row.pattern,
            "count": row.count,
            "first_at": row.first_at,
            "last_at": row.last_at,
            "on_project": row.pattern in project.id_patterns,
        }
        for row in id_pattern_timeouts(project.pk, in_use)
    ]


def _manager(request: HttpRequest, slug: str) -> tuple[Project, Viewer]:
    project, viewer = access_project(request.user, slug)
    if not viewer.can("manage_project"):
        raise Http404
    return project, viewer


@login_required
@require_http_methods(["GET", "POST"])
def redaction_settings(request: HttpRequest, slug: str) -> HttpResponse:
    project, viewer = _manager(request, slug)
    form = RedactionSettingsForm(request.POST or None, project=project, initial=_initial(project))
    preview = None
    if request.method == "POST" and form.is_valid():
        if "preview" not in request.POST:
            do_set_redaction_settings(
                project_id=project.pk,
                id_patterns=form.cleaned_data["id_patterns"],
                cue_words=form.cleaned_data["cue_words"],
                keep_words=form.cleaned_data["keep_words"],
                actor=viewer,
            )
            messages.success(
                request, _("Saved. The next messages are redacted with these settings.")
            )
            return redirect("intake_admin:redaction", slug=slug)
        preview = preview_of(form.cleaned_data["sample"], form)
    context = {
        **layout(project, viewer),
        "form": form,
        "preview": preview,
        "timeouts": timeout_warnings(project),
        "outdated": outdated_patterns(project),
    }
    status = 400 if form.is_bound and not form.is_valid() else 200
    # The page's script asks for the preview alone; without it the whole page comes back.
    template = "intake/_redaction_preview.html" if request.headers.get("X-Preview") else None
    return render(request, template or "intake/redaction.html", context, status=status)
