"""The staff phone forms: a mobile number in international form, and the code."""

from __future__ import annotations

from typing import Any

import phonenumbers
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from responsemap.protection.staff_data import CODE_DIGITS

MOBILE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
}


class PhoneForm(forms.Form):
    number = forms.CharField(
        label=_("Mobile number"),
        max_length=32,
        help_text=_(
            "In international form, starting with + and the country code (+509 for Haiti)."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "tel", "inputmode": "tel", "dir": "ltr", "spellcheck": "false"}
        ),
    )
    language = forms.ChoiceField(label=_("Language of the text messages"), choices=())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = list(settings.LANGUAGES)  # type: ignore[attr-defined]

    def clean_number(self) -> str:
        """The number in E.164; a landline or a number without its country code is refused."""
        typed = self.cleaned_data["number"].strip()
        try:
            parsed = phonenumbers.parse(typed, None)
        except phonenumbers.NumberParseException:
            raise forms.ValidationError(
                _("Give the number with its country code, starting with +.")
            ) from None
        if not phonenumbers.is_valid_number(parsed):
            raise forms.ValidationError(_("This is not a valid phone number."))
        if phonenumbers.number_type(parsed) not in MOBILE_TYPES:
            raise forms.ValidationError(_("This looks like a landline: give a mobile number."))
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        min_length=CODE_DIGITS,
        max_length=CODE_DIGITS,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "dir": "ltr"}
        ),
    )


def masked(number: str) -> str:
    """What a screen shows of a number: its country code and last two digits."""
    parsed = phonenumbers.parse(number, None)
    return f"+{parsed.country_code} •••• ••{number[-2:]}"
