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


class DestroyForm(forms.Form):
    """The admin's decision to destroy a closed project now: why, and its short name
    typed again."""

    reason = forms.CharField(
        label=_("Why it is destroyed now"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2, "dir": "auto"}),
        help_text=_("Recorded with your name in the system audit chain, which outlives it."),
    )
    confirm = forms.CharField(
        label=_("Type the project's short name to confirm"),
        max_length=50,
        widget=forms.TextInput(attrs={"autocomplete": "off", "dir": "ltr"}),
    )

    prefix = "destroy"  # beside the hold form's reason on the same page

    def __init__(self, *args: Any, slug: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.slug = slug

    def clean_confirm(self) -> str:
        value = str(self.cleaned_data["confirm"]).strip()
        if value != self.slug:
            raise forms.ValidationError(
                _("This is not the project's short name: nothing was destroyed.")
            )
        return value
