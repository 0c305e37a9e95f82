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


class PolicyForm(forms.Form):
    window_hours = forms.IntegerField(
        label=_("Same sender, similar text within (hours): a duplicate"),
        min_value=1,
        max_value=24 * 30,
    )
    similarity = forms.IntegerField(
        label=_("Words in common to call two texts similar (%)"), min_value=20, max_value=100
    )
    rate_messages = forms.IntegerField(
        label=_("Spam: more than this many messages from one sender…"),
        min_value=1,
        max_value=10000,
    )
    rate_minutes = forms.IntegerField(
        label=_("…within this many minutes"), min_value=1, max_value=24 * 60
    )
