from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from responsemap.accounts.models import User
from responsemap.lib import clock

STATUS_CHOICES = [
    ("", _("Closed or destroyed")),
    ("closed", _("Closed")),
    ("destroyed", _("Destroyed")),
    ("active", _("Active")),
    ("all", _("All")),
]


class ProjectsFilterForm(forms.Form):
    q = forms.CharField(label=_("Name"), required=False, max_length=200)
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)


def _username(user: Any) -> str:
    return str(user.get_username())


class LegalHoldForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
        help_text=_("Why the data must be kept: the order, inquiry or claim."),
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        queryset=User.objects.none(),
        help_text=_("The person who answers for the hold and is asked before it is lifted."),
    )
    expires_on = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, owners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["owner"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = owners
        field.label_from_instance = _username  # type: ignore[method-assign,assignment]

    def clean_expires_on(self) -> Any:
        value = self.cleaned_data["expires_on"]
        if value <= clock.now().date():
            raise forms.ValidationError(_("The hold must end after today."))
        return value


class LiftHoldForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is lifted"),
        max_length=1000,
        widget=forms.TextInput(attrs={"dir": "auto"}),
    )
