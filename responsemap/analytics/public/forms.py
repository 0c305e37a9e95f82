"""The manager's settings of the public page, and the month to release."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from responsemap.analytics.public.models import MIN_SENSITIVE_THRESHOLD, MIN_THRESHOLD


class PublicPageForm(forms.Form):
    enabled = forms.BooleanField(
        required=False,
        label=_("Publish the public page"),
        help_text=_("Off: the page's address answers as if it did not exist."),
    )
    conflict_mode = forms.BooleanField(
        required=False,
        label=_("Conflict mode: publish nothing at all"),
        help_text=_("The page then says only that no figures are published."),
    )
    threshold = forms.IntegerField(
        min_value=MIN_THRESHOLD,
        max_value=100,
        label=_("Smallest number shown"),
        help_text=_("Counts below it are not shown, nor anything they could be worked out from."),
    )
    sensitive_threshold = forms.IntegerField(
        min_value=MIN_SENSITIVE_THRESHOLD,
        max_value=100,
        label=_("Smallest number shown for protection-related figures"),
    )
    area_level = forms.TypedChoiceField(
        coerce=int,
        choices=[(1, _("Level 1 (regions)")), (2, _("Level 2 (districts)"))],
        label=_("Areas counted at"),
        help_text=_("Protection-related figures are never counted finer than level 2."),
    )
    purpose = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}),
        label=_("What the page says about the project"),
        help_text=_("Shown to the public as written. No names, no places finer than the areas."),
    )
    partners = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
        label=_("Partners, one per line"),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("threshold"), data.get("sensitive_threshold")
        if low is not None and high is not None and high < low:
            self.add_error(
                "sensitive_threshold",
                _("It can't be smaller than the smallest number shown for other figures."),
            )
        return data


class ReleaseForm(forms.Form):
    month = forms.DateField(input_formats=["%Y-%m-%d"])

    def __init__(self, *args: Any, months: list[date], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.months = months

    def clean_month(self) -> date:
        month: date = self.cleaned_data["month"]
        if month not in self.months:
            raise forms.ValidationError(_("This month can't be released."))
        return month
