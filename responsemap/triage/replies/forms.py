"""Forms of replies, reply templates, call-backs and response times."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from responsemap.triage.replies.actions import NOTE_MAX_LENGTH, REPLY_MAX_LENGTH
from responsemap.triage.replies.models import CallbackOutcome
from responsemap.triage.replies.queries import GROUPINGS

GROUP_LABELS = {
    "type_code": _("Type"),
    "area": _("Area"),
    "sector": _("Sector"),
    "team": _("Team"),
}


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Reply"),
        max_length=REPLY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}),
    )
    template = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    mark_answered = forms.BooleanField(label=_("Mark the record “Answered”"), required=False)
    public = forms.BooleanField(required=False)


class ReplyTemplateForm(forms.Form):
    code = forms.SlugField(
        label=_("Code"),
        max_length=40,
        help_text=_("Short, stable name used in exports, e.g. “received”."),
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)

    def __init__(self, *args: Any, languages: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.languages = languages
        for code, name in languages:
            self.fields[f"text_{code}"] = forms.CharField(
                label=name,
                required=False,
                max_length=REPLY_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 3, "dir": "auto", "lang": code}),
            )

    def texts(self) -> dict[str, str]:
        return {code: self.cleaned_data.get(f"text_{code}", "") for code, _name in self.languages}

    def text_fields(self) -> list[forms.BoundField]:
        return [self[f"text_{code}"] for code, _name in self.languages]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any((data.get(f"text_{code}") or "").strip() for code, _n in self.languages):
            raise forms.ValidationError(_("Write the text in at least one language."))
        return data


class CallbackRevealForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need the number?"),
        min_length=5,
        max_length=300,
        initial="",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    password = forms.CharField(
        label=_("Your password"),
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CallbackOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("How did the call go?"),
        choices=CallbackOutcome.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
    )


class CallbackFilterForm(forms.Form):
    whose = forms.ChoiceField(
        label=_("Whose"),
        required=False,
        choices=[("", _("Mine")), ("all", _("Everyone's"))],
    )
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("Open")), ("done", _("Done")), ("any", _("Open or done"))],
    )


class ResponseTimesForm(forms.Form):
    group_by = forms.ChoiceField(label=_("Group by"), required=False)
    since = forms.DateField(
        label=_("Received from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("Received to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group_by"].choices = [  # type: ignore[attr-defined]
            (code, GROUP_LABELS.get(code, code)) for code in GROUPINGS
        ]
