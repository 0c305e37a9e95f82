from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class StatusLookupForm(forms.Form):
    code = forms.CharField(
        label=_("Your reference code"),
        max_length=40,
        help_text=_("8 letters and numbers, as on your receipt, for example D4EN-ACC6."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "dir": "ltr",
                "inputmode": "text",
            }
        ),
    )
