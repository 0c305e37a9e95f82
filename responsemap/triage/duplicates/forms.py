from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ReferenceForm(forms.Form):
    """The other record of a link, merge or rumour group, by its reference."""

    reference = forms.CharField(label=_("Reference of the other record"), max_length=20, strip=True)


class GroupFilterForm(forms.Form):
    words = forms.CharField(label=_("Words"), required=False, max_length=200)
    since = forms.DateField(
        label=_("Seen since"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
