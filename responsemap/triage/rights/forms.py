"""Forms of the data-subject request screens; validation in words."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from responsemap.triage.rights.models import RequestKind, RequestStatus

FIND_BY = [("phone", _("Phone number")), ("reference", _("Reference code"))]


class OpenRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("The person asks to"), choices=RequestKind.choices)
    find_by = forms.ChoiceField(
        label=_("Find the person by"), choices=FIND_BY, widget=forms.RadioSelect, initial="phone"
    )
    phone = forms.CharField(
        label=_("Phone number"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off", "inputmode": "tel"}),
        help_text=_("Not stored: only compared with the numbers the project holds."),
    )
    reference = forms.CharField(
        label=_("Reference code"),
        required=False,
        max_length=12,
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off"}),
        help_text=_("The code the person was given, e.g. D4EN-ACC6."),
    )
    language = forms.ChoiceField(label=_("Their language"), required=False, choices=())
    received_on = forms.DateField(
        label=_("Received on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The day the person asked."),
    )
    deadline_days = forms.IntegerField(
        label=_("Days to answer"),
        min_value=1,
        max_value=365,
        help_text=_("The deadline is counted from the day received."),
    )
    note = forms.CharField(
        label=_("What the person asked"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
    )

    def __init__(self, *args: Any, languages: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", "—"), *[(c, c) for c in languages]]  # type: ignore[attr-defined]
        self.fields["deadline_days"].initial = settings.RESPONSEMAP_SUBJECT_REQUEST_DAYS

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("find_by") == "phone" and not (data.get("phone") or "").strip():
            self.add_error("phone", _("Type the person's phone number."))
        if data.get("find_by") == "reference" and not (data.get("reference") or "").strip():
            self.add_error("reference", _("Type the reference code."))
        return data


class FilterForm(forms.Form):
    q = forms.CharField(label=_("Reference code"), required=False, max_length=12)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *RequestStatus.choices]
    )
    kind = forms.ChoiceField(
        label=_("Request"), required=False, choices=[("", _("Any")), *RequestKind.choices]
    )
    overdue = forms.BooleanField(label=_("Past the deadline"), required=False)


class RectifyContactForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"dir": "auto"}),
    )
    phone = forms.CharField(
        label=_("New phone number"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off"}),
    )
    language = forms.ChoiceField(label=_("Language"), required=False, choices=())

    def __init__(self, *args: Any, languages: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", "—"), *[(c, c) for c in languages]]  # type: ignore[attr-defined]


class RectifyRecordForm(forms.Form):
    feedback = forms.ChoiceField(label=_("Record"), choices=())
    text = forms.CharField(
        label=_("Corrected text"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
    )

    def __init__(self, *args: Any, records: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["feedback"].choices = records  # type: ignore[attr-defined]


class CloseForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Close as"),
        choices=[(RequestStatus.DONE, _("Done")), (RequestStatus.REFUSED, _("Refused"))],
    )


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I have checked this is the right person, and this can't be undone."),
        required=True,
    )
