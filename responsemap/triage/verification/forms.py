from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from responsemap.triage.verification.actions import MAX_SOURCES, NOTES_MAX_LENGTH
from responsemap.triage.verification.models import CheckItem, VerificationStatus


class VerificationForm(forms.Form):
    status = forms.ChoiceField(label=_("Is it true?"), choices=VerificationStatus.choices)
    sources_count = forms.IntegerField(
        label=_("Independent sources"), min_value=0, max_value=MAX_SOURCES
    )
    notes = forms.CharField(
        label=_("Triangulation notes"),
        required=False,
        max_length=NOTES_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
    )


class CheckForm(forms.Form):
    item = forms.ChoiceField(choices=CheckItem.choices)
    ticked = forms.BooleanField(required=False)
    note = forms.CharField(required=False, max_length=NOTES_MAX_LENGTH)
