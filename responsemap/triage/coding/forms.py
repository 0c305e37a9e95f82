"""Forms of the coding framework: what the record's forms offer, re-coding a record,
and the manager's screen (a code and its labels per language)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from responsemap.triage.choices import Urgency
from responsemap.triage.coding.framework import LABEL_MAX_LENGTH, Framework
from responsemap.triage.coding.models import Kind
from responsemap.triage.forms import language_name


class RecodeForm(forms.Form):
    type_code = forms.ChoiceField(label=_("Type"))
    sector = forms.ChoiceField(label=_("Sector"))
    topic = forms.ChoiceField(label=_("Topic"), required=False)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)

    def __init__(self, *args: Any, framework: Framework, current: dict[str, str], **kwargs: Any):
        kwargs.setdefault("initial", current)
        super().__init__(*args, **kwargs)
        self.fields["type_code"].choices = framework.choices(Kind.TYPE, current["type_code"])  # type: ignore[attr-defined]
        self.fields["sector"].choices = framework.choices(Kind.SECTOR, current["sector"])  # type: ignore[attr-defined]
        self.fields["topic"].choices = [("", _("No topic"))] + framework.choices(  # type: ignore[attr-defined]
            Kind.TOPIC, current["topic"]
        )


def _label_fields(form: forms.Form, languages: list[str], required: bool) -> None:
    form.fields["label"] = forms.CharField(
        label=_("Label"),
        max_length=LABEL_MAX_LENGTH,
        required=required,
        help_text=_("Shown wherever a language has no label of its own."),
    )
    for language in languages:
        form.fields[f"label_{language}"] = forms.CharField(
            label=_("Label in %(language)s") % {"language": language_name(language)},
            max_length=LABEL_MAX_LENGTH,
            required=False,
        )


class CodeForm(forms.Form):
    """A new code: the code itself (a slug, never changed after) and its labels."""

    kind = forms.ChoiceField(choices=Kind.choices, widget=forms.HiddenInput)
    code = forms.SlugField(
        label=_("Code"),
        max_length=64,
        help_text=_("Letters, digits, - or _; used in exports, never changed afterwards."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "short"}),
    )

    def __init__(self, *args: Any, languages: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.languages = languages
        _label_fields(self, languages, required=True)

    def labels(self) -> dict[str, str]:
        return {lang: self.cleaned_data.get(f"label_{lang}", "") for lang in self.languages}


class LabelForm(forms.Form):
    """New labels for a code; an empty label keeps a default code's built-in words."""

    def __init__(self, *args: Any, languages: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.languages = languages
        _label_fields(self, languages, required=False)

    def labels(self) -> dict[str, str]:
        return {lang: self.cleaned_data.get(f"label_{lang}", "") for lang in self.languages}
